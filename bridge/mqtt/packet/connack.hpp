// CONNACK (MQTT 3.1.1 section 3.2): the server's answer to CONNECT.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::bridge::mqtt::packet {

// 3.2.2.3 table 3.1: the connect return codes; 6..255 are reserved.
enum class ConnackCode : std::uint8_t {
  accepted = 0,
  unacceptable_protocol_version = 1,
  identifier_rejected = 2,
  server_unavailable = 3,
  bad_username_or_password = 4,
  not_authorized = 5,
};

// 3.2.2.3 table 3.1: the return code as a human-readable reason for logs.
std::string_view to_string(ConnackCode code) noexcept;

struct Connack {
  bool session_present = false;
  ConnackCode code = ConnackCode::accepted;

  friend bool operator==(const Connack&, const Connack&) = default;
};

constexpr PacketType type_of(const Connack&) noexcept {
  return PacketType::connack;
}

// 3.2.1: the fixed-header flags (0000).
constexpr std::uint8_t fixed_flags(const Connack&) noexcept {
  return 0x00;
}

// 3.2.1, 3.2.2: the remaining length (2), after checking the code and that a
// refusal does not claim a session (3.2.2.2).
Result<std::size_t> body_size(const Connack& packet);

// 3.2.2: writes the acknowledge flags and the return code.
void write_body(const Connack& packet, Writer& out);

// 3.2.2: reads the acknowledge flags (bits 7-1 reserved, 0) and a defined
// return code; a refusal with Session Present set is rejected.
Result<Connack> decode_connack(Reader& in);

}  // namespace iotgw::bridge::mqtt::packet
