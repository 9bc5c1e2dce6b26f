// CONNACK (3.1.1 section 3.2, 5.0 section 3.2): the server's answer to
// CONNECT. The 3.1.1 return codes are read into the MQTT 5 reason codes that
// replaced them (5.0 3.2.2.2), so a refusal means the same in both versions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "bridge/mqtt/packet/properties.hpp"
#include "bridge/mqtt/packet/reason_code.hpp"
#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::bridge::mqtt::packet {

struct Connack {
  bool session_present = false;
  ReasonCode reason = ReasonCode::success;
  // MQTT 5: what the server grants and limits (Receive Maximum, Maximum
  // Packet Size, Topic Alias Maximum, Server Keep Alive, ...).
  Properties properties{};

  friend bool operator==(const Connack&, const Connack&) = default;
};

// 3.2.2.3 table 3.1: the 3.1.1 return code (1 to 5) that carries `reason`,
// if any.
std::optional<std::uint8_t> v3_1_1_return_code(ReasonCode reason) noexcept;

constexpr PacketType type_of(const Connack&) noexcept {
  return PacketType::connack;
}

// 3.2.1: the fixed-header flags (0000).
constexpr std::uint8_t fixed_flags(const Connack&) noexcept {
  return 0x00;
}

// The remaining length, after checking that the reason exists in `version`,
// that a refusal does not claim a session (3.2.2.2, 5.0 3.2.2.1.1) and, in
// MQTT 5, the properties.
Result<std::size_t> body_size(const Connack& packet, Version version);

// 3.2.2: the acknowledge flags, the return or reason code and, in MQTT 5,
// the properties.
void write_body(const Connack& packet, Version version, Writer& out);

// 3.2.2, 5.0 3.2.2: reads the acknowledge flags (bits 7-1 reserved, 0), a
// code defined for CONNACK in the version and, in MQTT 5, the properties; a
// refusal with Session Present set is rejected.
Result<Connack> decode_connack(Reader& in);

}  // namespace iotgw::bridge::mqtt::packet
