// Errors of the MQTT core are values: a code to branch on and a reason to log.
// Nothing in the core throws on input from the network.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include <boost/assert/source_location.hpp>
#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include "bridge/mqtt/packet/reason_code.hpp"

namespace iotgw::bridge::mqtt {

enum class Errc {
  bad_packet_type,         // 2.2.1: types 0 and 15 are reserved
  bad_flags,               // 2.2.2: reserved fixed-header flags, CONNECT/CONNACK flag bits
  bad_remaining_length,    // 2.2.3, 5.0 1.5.5: a variable byte integer of more than four bytes,
                           // or (in MQTT 5) not in its shortest form
  packet_too_large,        // the configured maximum packet size
  truncated,               // a field runs past the remaining length or the buffer
  trailing_bytes,          // bytes left over after the last field
  invalid_utf8,            // 1.5.3: malformed, overlong, surrogate or U+0000
  invalid_topic_name,      // 4.7: empty, wildcard or too long topic name
  invalid_topic_filter,    // 4.7.1: misplaced wildcard, empty filter
  zero_packet_id,          // 2.3.1: a packet id is required and must be non-zero
  invalid_qos,             // QoS 3 anywhere a QoS is carried
  invalid_protocol,        // 3.1.2.1, 3.1.2.2: not "MQTT" level 4
  invalid_reason_code,     // 3.2.2.3, 3.9.3, 5.0 2.4: a code the packet may not carry
  invalid_property,        // 5.0 2.2.2: unknown, misplaced, mistyped or out-of-range property
  duplicate_property,      // 5.0 2.2.2.2: a property repeated where it may appear once
  unsupported_in_version,  // a packet or field the session's protocol version lacks
  empty_payload,           // 3.8.3, 3.10.3: SUBSCRIBE/UNSUBSCRIBE without topics
  field_too_long,          // 1.5.3: an encoded string or binary field above 65535 bytes
  buffer_too_small,        // the caller's output buffer cannot hold the packet
  protocol_violation,      // a valid packet at a point where the protocol forbids it
  not_connected,           // a command that needs a connection, or one cut off by its loss
  window_full,             // the in-flight window or the packet ids are used up
  decoder_failed,          // a stream decoder that already reported an error was fed again
  transport_failed,        // the Asio layer could not make a transport (TLS set-up)
  refused_by_broker,       // 5.0: a PUBACK or PUBREC failure, or above the broker's packet size
};

// A short stable name for the code, for logs and test failure messages.
std::string_view to_string(Errc code) noexcept;

// The category of Errc, whose messages are the names to_string() gives.
const boost::system::error_category& error_category() noexcept;

boost::system::error_code make_error_code(Errc code) noexcept;

struct Error {
  Errc code;
  std::string reason;
  // With refused_by_broker: the reason code the broker gave (MQTT 5).
  std::optional<packet::ReasonCode> broker_reason{};

  friend bool operator==(const Error&, const Error&) = default;
};

// Lets Result::value() throw on an error: a system_error with the code and
// the reason.
[[noreturn]] void throw_exception_from_error(const Error& failure,
                                             const boost::source_location& location);

// Either a value or an error; the core's replacement for exceptions.
template <class T = void>
using Result = boost::system::result<T, Error>;

}  // namespace iotgw::bridge::mqtt

template <>
struct boost::system::is_error_code_enum<iotgw::bridge::mqtt::Errc> : std::true_type {};
