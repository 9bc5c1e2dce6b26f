// CONNACK (MQTT 3.1.1 section 3.2): the server's answer to CONNECT.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::mqtt {

// 3.2.2.3 table 3.1: the connect return codes; 6..255 are reserved.
enum class connack_code : std::uint8_t {
  accepted = 0,
  unacceptable_protocol_version = 1,
  identifier_rejected = 2,
  server_unavailable = 3,
  bad_username_or_password = 4,
  not_authorized = 5,
};

// 3.2.2.3 table 3.1: the return code as a human-readable reason for logs.
std::string_view to_string(connack_code code) noexcept;

struct connack {
  bool session_present = false;
  connack_code code = connack_code::accepted;

  friend bool operator==(const connack&, const connack&) = default;
};

constexpr packet_type type_of(const connack&) noexcept {
  return packet_type::connack;
}

// 3.2.1: the fixed-header flags (0000).
constexpr std::uint8_t fixed_flags(const connack&) noexcept {
  return 0x00;
}

// 3.2.1, 3.2.2: the remaining length (2), after checking the code and that a
// refusal does not claim a session (3.2.2.2).
result<std::size_t> body_size(const connack& packet);

// 3.2.2: writes the acknowledge flags and the return code.
void write_body(const connack& packet, writer& out);

// 3.2.2: reads the acknowledge flags (bits 7-1 reserved, 0) and a defined
// return code; a refusal with Session Present set is rejected.
result<connack> decode_connack(reader& in);

}  // namespace iotgw::mqtt
