// Reason codes (MQTT 5.0 section 2.4): one byte that says how an operation
// ended, in CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK,
// DISCONNECT and AUTH. Values below 0x80 are successes, the rest failures.
// MQTT 3.1.1's CONNACK return codes and SUBACK codes map onto the same enum
// (see connack.hpp and suback.hpp), so the session speaks one vocabulary.
#pragma once

#include <cstdint>
#include <string_view>

#include "bridge/mqtt/packet/types.hpp"

namespace iotgw::bridge::mqtt::packet {

// 5.0 2.4 table 2-6. 0x00 has a name per packet; all are the same value.
enum class ReasonCode : std::uint8_t {
  success = 0x00,
  normal_disconnection = 0x00,
  granted_qos0 = 0x00,
  granted_qos1 = 0x01,
  granted_qos2 = 0x02,
  disconnect_with_will = 0x04,
  no_matching_subscribers = 0x10,
  no_subscription_existed = 0x11,
  continue_authentication = 0x18,
  reauthenticate = 0x19,
  unspecified_error = 0x80,
  malformed_packet = 0x81,
  protocol_error = 0x82,
  implementation_specific_error = 0x83,
  unsupported_protocol_version = 0x84,
  client_identifier_not_valid = 0x85,
  bad_user_name_or_password = 0x86,
  not_authorized = 0x87,
  server_unavailable = 0x88,
  server_busy = 0x89,
  banned = 0x8A,
  server_shutting_down = 0x8B,
  bad_authentication_method = 0x8C,
  keep_alive_timeout = 0x8D,
  session_taken_over = 0x8E,
  topic_filter_invalid = 0x8F,
  topic_name_invalid = 0x90,
  packet_identifier_in_use = 0x91,
  packet_identifier_not_found = 0x92,
  receive_maximum_exceeded = 0x93,
  topic_alias_invalid = 0x94,
  packet_too_large = 0x95,
  message_rate_too_high = 0x96,
  quota_exceeded = 0x97,
  administrative_action = 0x98,
  payload_format_invalid = 0x99,
  retain_not_supported = 0x9A,
  qos_not_supported = 0x9B,
  use_another_server = 0x9C,
  server_moved = 0x9D,
  shared_subscriptions_not_supported = 0x9E,
  connection_rate_exceeded = 0x9F,
  maximum_connect_time = 0xA0,
  subscription_identifiers_not_supported = 0xA1,
  wildcard_subscriptions_not_supported = 0xA2,
};

// 5.0 2.4: a reason code of 0x80 or more reports a failure.
constexpr bool is_failure(ReasonCode code) noexcept {
  return static_cast<std::uint8_t>(code) >= 0x80;
}

// 5.0 2.4 table 2-6: whether `code` may appear in a packet of `type`.
bool allowed_in(ReasonCode code, PacketType type) noexcept;

// The spec's name of `code` ("Quota exceeded"), for logs and metrics; 0x00 is
// "Success" whatever the packet. Undefined values read "reserved".
std::string_view to_string(ReasonCode code) noexcept;

}  // namespace iotgw::bridge::mqtt::packet
