// UNSUBACK (3.1.1 section 3.11, 5.0 section 3.11): acknowledges an
// UNSUBSCRIBE. In 3.1.1 it carries the packet id only; in MQTT 5 also
// properties and one reason code per filter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "bridge/mqtt/packet/properties.hpp"
#include "bridge/mqtt/packet/reason_code.hpp"
#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::bridge::mqtt::packet {

struct Unsuback {
  std::uint16_t packet_id = 0;
  std::vector<ReasonCode> reasons{};  // MQTT 5: at least one; empty in 3.1.1
  Properties properties{};            // MQTT 5: Reason String, User Property

  friend bool operator==(const Unsuback&, const Unsuback&) = default;
};

constexpr PacketType type_of(const Unsuback&) noexcept {
  return PacketType::unsuback;
}

// 3.11.1: the fixed-header flags (0000).
constexpr std::uint8_t fixed_flags(const Unsuback&) noexcept {
  return 0x00;
}

// 3.11.1: 2 in 3.1.1 (no codes, no properties allowed); in MQTT 5 after
// checking at least one code, each defined for UNSUBACK, and the properties.
Result<std::size_t> body_size(const Unsuback& packet, Version version);

void write_body(const Unsuback& packet, Version version, Writer& out);

// 3.11.2: the packet id; in MQTT 5 (5.0 3.11.2, 3.11.3) then properties and
// one or more reason codes.
Result<Unsuback> decode_unsuback(Reader& in);

}  // namespace iotgw::bridge::mqtt::packet
