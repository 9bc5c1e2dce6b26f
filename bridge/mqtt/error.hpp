// Errors of the MQTT core are values: a code to branch on and a reason to log.
// Nothing in the core throws on input from the network.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace iotgw::bridge::mqtt {

enum class Errc {
  bad_packet_type,       // 2.2.1: types 0 and 15 are reserved
  bad_flags,             // 2.2.2: reserved fixed-header flags, CONNECT/CONNACK flag bits
  bad_remaining_length,  // 2.2.3: more than four bytes
  packet_too_large,      // the configured maximum packet size
  truncated,             // a field runs past the remaining length or the buffer
  trailing_bytes,        // bytes left over after the last field
  invalid_utf8,          // 1.5.3: malformed, overlong, surrogate or U+0000
  invalid_topic_name,    // 4.7: empty, wildcard or too long topic name
  invalid_topic_filter,  // 4.7.1: misplaced wildcard, empty filter
  zero_packet_id,        // 2.3.1: a packet id is required and must be non-zero
  invalid_qos,           // QoS 3 anywhere a QoS is carried
  invalid_protocol,      // 3.1.2.1, 3.1.2.2: not "MQTT" level 4
  invalid_return_code,   // 3.2.2.3, 3.9.3: return codes outside the defined set
  empty_payload,         // 3.8.3, 3.10.3: SUBSCRIBE/UNSUBSCRIBE without topics
  field_too_long,        // 1.5.3: an encoded string or binary field above 65535 bytes
  buffer_too_small,      // the caller's output buffer cannot hold the packet
  protocol_violation,    // a valid packet at a point where the protocol forbids it
  not_connected,         // a command that needs a connection, or one cut off by its loss
  window_full,           // the in-flight window or the packet ids are used up
  decoder_failed,        // a stream decoder that already reported an error was fed again
};

// A short stable name for the code, for logs and test failure messages.
std::string_view to_string(Errc code) noexcept;

struct Error {
  Errc code;
  std::string reason;

  friend bool operator==(const Error&, const Error&) = default;
};

// Either a value or an error; the core's replacement for exceptions.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(::iotgw::bridge::mqtt::Error failure)
      : state_(std::in_place_index<1>, std::move(failure)) {}

  bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const ::iotgw::bridge::mqtt::Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, ::iotgw::bridge::mqtt::Error> state_;
};

// A check that yields nothing on success and the first problem otherwise.
using CheckResult = std::optional<Error>;

}  // namespace iotgw::bridge::mqtt
