// PUBREC (MQTT 3.1.1 section 3.5): first acknowledgement of a QoS 2 PUBLISH.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::mqtt {

struct pubrec {
  std::uint16_t packet_id = 0;

  friend bool operator==(const pubrec&, const pubrec&) = default;
};

constexpr packet_type type_of(const pubrec&) noexcept {
  return packet_type::pubrec;
}

// 3.5.1: the fixed-header flags (0000).
constexpr std::uint8_t fixed_flags(const pubrec&) noexcept {
  return 0x00;
}

// 3.5.1: the remaining length (2), once the packet id is known to be non-zero.
result<std::size_t> body_size(const pubrec& packet);

// 3.5.2: writes the variable header, the packet id.
void write_body(const pubrec& packet, writer& out);

// 3.5.2: reads the packet id, which must be non-zero.
result<pubrec> decode_pubrec(reader& in);

}  // namespace iotgw::mqtt
