// PUBCOMP (MQTT 3.1.1 section 3.7): answers a PUBREL; ends the QoS 2 exchange.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::bridge::mqtt::packet {

struct Pubcomp {
  std::uint16_t packet_id = 0;

  friend bool operator==(const Pubcomp&, const Pubcomp&) = default;
};

constexpr PacketType type_of(const Pubcomp&) noexcept {
  return PacketType::pubcomp;
}

// 3.7.1: the fixed-header flags (0000).
constexpr std::uint8_t fixed_flags(const Pubcomp&) noexcept {
  return 0x00;
}

// 3.7.1: the remaining length (2), once the packet id is known to be non-zero.
Result<std::size_t> body_size(const Pubcomp& packet);

// 3.7.2: writes the variable header, the packet id.
void write_body(const Pubcomp& packet, Writer& out);

// 3.7.2: reads the packet id, which must be non-zero.
Result<Pubcomp> decode_pubcomp(Reader& in);

}  // namespace iotgw::bridge::mqtt::packet
