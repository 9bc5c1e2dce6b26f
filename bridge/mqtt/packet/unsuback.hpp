// UNSUBACK (MQTT 3.1.1 section 3.11): acknowledges an UNSUBSCRIBE.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::bridge::mqtt::packet {

struct Unsuback {
  std::uint16_t packet_id = 0;

  friend bool operator==(const Unsuback&, const Unsuback&) = default;
};

constexpr PacketType type_of(const Unsuback&) noexcept {
  return PacketType::unsuback;
}

// 3.11.1: the fixed-header flags (0000).
constexpr std::uint8_t fixed_flags(const Unsuback&) noexcept {
  return 0x00;
}

// 3.11.1: the remaining length (2), once the packet id is known to be non-zero.
Result<std::size_t> body_size(const Unsuback& packet);

// 3.11.2: writes the variable header, the packet id.
void write_body(const Unsuback& packet, Writer& out);

// 3.11.2: reads the packet id, which must be non-zero.
Result<Unsuback> decode_unsuback(Reader& in);

}  // namespace iotgw::bridge::mqtt::packet
