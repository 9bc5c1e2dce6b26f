// PUBACK (MQTT 3.1.1 section 3.4): acknowledges a QoS 1 PUBLISH.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::mqtt {

struct puback {
  std::uint16_t packet_id = 0;

  friend bool operator==(const puback&, const puback&) = default;
};

constexpr packet_type type_of(const puback&) noexcept {
  return packet_type::puback;
}

// 3.4.1: the fixed-header flags (0000).
constexpr std::uint8_t fixed_flags(const puback&) noexcept {
  return 0x00;
}

// 3.4.1: the remaining length (2), once the packet id is known to be non-zero.
result<std::size_t> body_size(const puback& packet);

// 3.4.2: writes the variable header, the packet id.
void write_body(const puback& packet, writer& out);

// 3.4.2: reads the packet id, which must be non-zero.
result<puback> decode_puback(reader& in);

}  // namespace iotgw::mqtt
