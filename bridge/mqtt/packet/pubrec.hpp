// PUBREC (MQTT 3.1.1 section 3.5): first acknowledgement of a QoS 2 PUBLISH.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::bridge::mqtt::packet {

struct Pubrec {
  std::uint16_t packet_id = 0;

  friend bool operator==(const Pubrec&, const Pubrec&) = default;
};

constexpr PacketType type_of(const Pubrec&) noexcept {
  return PacketType::pubrec;
}

// 3.5.1: the fixed-header flags (0000).
constexpr std::uint8_t fixed_flags(const Pubrec&) noexcept {
  return 0x00;
}

// 3.5.1: the remaining length (2), once the packet id is known to be non-zero.
Result<std::size_t> body_size(const Pubrec& packet);

// 3.5.2: writes the variable header, the packet id.
void write_body(const Pubrec& packet, Writer& out);

// 3.5.2: reads the packet id, which must be non-zero.
Result<Pubrec> decode_pubrec(Reader& in);

}  // namespace iotgw::bridge::mqtt::packet
