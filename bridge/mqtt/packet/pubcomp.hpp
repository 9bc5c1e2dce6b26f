// PUBCOMP (MQTT 3.1.1 section 3.7): answers a PUBREL; ends the QoS 2 exchange.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::mqtt {

struct pubcomp {
  std::uint16_t packet_id = 0;

  friend bool operator==(const pubcomp&, const pubcomp&) = default;
};

constexpr packet_type type_of(const pubcomp&) noexcept {
  return packet_type::pubcomp;
}

// 3.7.1: the fixed-header flags (0000).
constexpr std::uint8_t fixed_flags(const pubcomp&) noexcept {
  return 0x00;
}

// 3.7.1: the remaining length (2), once the packet id is known to be non-zero.
result<std::size_t> body_size(const pubcomp& packet);

// 3.7.2: writes the variable header, the packet id.
void write_body(const pubcomp& packet, writer& out);

// 3.7.2: reads the packet id, which must be non-zero.
result<pubcomp> decode_pubcomp(reader& in);

}  // namespace iotgw::mqtt
