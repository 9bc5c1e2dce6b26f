// UNSUBACK (MQTT 3.1.1 section 3.11): acknowledges an UNSUBSCRIBE.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::mqtt {

struct unsuback {
  std::uint16_t packet_id = 0;

  friend bool operator==(const unsuback&, const unsuback&) = default;
};

constexpr packet_type type_of(const unsuback&) noexcept {
  return packet_type::unsuback;
}

// 3.11.1: the fixed-header flags (0000).
constexpr std::uint8_t fixed_flags(const unsuback&) noexcept {
  return 0x00;
}

// 3.11.1: the remaining length (2), once the packet id is known to be non-zero.
result<std::size_t> body_size(const unsuback& packet);

// 3.11.2: writes the variable header, the packet id.
void write_body(const unsuback& packet, writer& out);

// 3.11.2: reads the packet id, which must be non-zero.
result<unsuback> decode_unsuback(reader& in);

}  // namespace iotgw::mqtt
