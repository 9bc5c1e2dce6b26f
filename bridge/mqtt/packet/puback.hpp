// PUBACK (MQTT 3.1.1 section 3.4): acknowledges a QoS 1 PUBLISH.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::bridge::mqtt::packet {

struct Puback {
  std::uint16_t packet_id = 0;

  friend bool operator==(const Puback&, const Puback&) = default;
};

constexpr PacketType type_of(const Puback&) noexcept {
  return PacketType::puback;
}

// 3.4.1: the fixed-header flags (0000).
constexpr std::uint8_t fixed_flags(const Puback&) noexcept {
  return 0x00;
}

// 3.4.1: the remaining length (2), once the packet id is known to be non-zero.
Result<std::size_t> body_size(const Puback& packet);

// 3.4.2: writes the variable header, the packet id.
void write_body(const Puback& packet, Writer& out);

// 3.4.2: reads the packet id, which must be non-zero.
Result<Puback> decode_puback(Reader& in);

}  // namespace iotgw::bridge::mqtt::packet
