// PUBREL (MQTT 3.1.1 section 3.6): answers a PUBREC; releases the QoS 2 message.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::mqtt {

struct pubrel {
  std::uint16_t packet_id = 0;

  friend bool operator==(const pubrel&, const pubrel&) = default;
};

constexpr packet_type type_of(const pubrel&) noexcept {
  return packet_type::pubrel;
}

// 3.6.1: the fixed-header flags (0010).
constexpr std::uint8_t fixed_flags(const pubrel&) noexcept {
  return 0x02;
}

// 3.6.1: the remaining length (2), once the packet id is known to be non-zero.
result<std::size_t> body_size(const pubrel& packet);

// 3.6.2: writes the variable header, the packet id.
void write_body(const pubrel& packet, writer& out);

// 3.6.2: reads the packet id, which must be non-zero.
result<pubrel> decode_pubrel(reader& in);

}  // namespace iotgw::mqtt
