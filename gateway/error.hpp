// Errors of the gateway's own rules, sans-I/O: why a command is refused (or
// is no command at all) and why a reload is. The detail is the text the
// sender or the operator reads: a command's refusal goes into its result
// message, a reload's into the log and systemd's status.
#pragma once

#include <string>
#include <type_traits>

#include <boost/assert/source_location.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

namespace iotgw::gateway {

enum class Errc {
  not_a_command = 1,       // under the command topic but no command: nothing is answered
  refused_response_topic,  // an MQTT 5 Response Topic the result may not go to
  retained,                // a retained command
  unknown_device,
  unknown_point,
  not_writable,
  payload_beyond_bounds,  // too large, too deep or too many members (payload_bounds.hpp)
  malformed_payload,      // not JSON, an unknown member, an id of the wrong type
  invalid_timestamp,      // ts neither a time nor seconds since the epoch, 2000 to 2199
  from_the_future,        // ts ahead of the gateway's clock by more than the skew allowed
  too_old,                // ts older than commands.max_age
  no_value,
  invalid_value,  // not of the point's type, or outside its range
  store_moves,    // a reload that would move the store
};

const boost::system::error_category& gateway_category() noexcept;

boost::system::error_code make_error_code(Errc e) noexcept;

struct Error {
  Errc code = Errc::not_a_command;
  std::string detail;
};

// What result<T, Error>::value() throws when there is no value.
[[noreturn]] void throw_exception_from_error(const Error& error,
                                             const boost::source_location& location);

template <class T = void>
using Result = boost::system::result<T, Error>;

}  // namespace iotgw::gateway

template <>
struct boost::system::is_error_code_enum<iotgw::gateway::Errc> : std::true_type {};
