// PUBREL (MQTT 3.1.1 section 3.6): answers a PUBREC; releases the QoS 2 message.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::bridge::mqtt::packet {

struct Pubrel {
  std::uint16_t packet_id = 0;

  friend bool operator==(const Pubrel&, const Pubrel&) = default;
};

constexpr PacketType type_of(const Pubrel&) noexcept {
  return PacketType::pubrel;
}

// 3.6.1: the fixed-header flags (0010).
constexpr std::uint8_t fixed_flags(const Pubrel&) noexcept {
  return 0x02;
}

// 3.6.1: the remaining length (2), once the packet id is known to be non-zero.
Result<std::size_t> body_size(const Pubrel& packet);

// 3.6.2: writes the variable header, the packet id.
void write_body(const Pubrel& packet, Writer& out);

// 3.6.2: reads the packet id, which must be non-zero.
Result<Pubrel> decode_pubrel(Reader& in);

}  // namespace iotgw::bridge::mqtt::packet
