// Errors of the Modbus core as values: Modbus exception responses from a
// device, responses that do not answer the request, timeouts, and requests or
// values we refuse before any byte goes on the wire.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <boost/assert/source_location.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

namespace iotgw::drivers::modbus {

using Bytes = std::vector<std::uint8_t>;

enum class Errc {
  // Exception responses (Modbus Application Protocol v1.1b3, section 7).
  illegal_function,
  illegal_data_address,
  illegal_data_value,
  server_device_failure,
  acknowledge,
  server_device_busy,
  memory_parity_error,
  gateway_path_unavailable,
  gateway_target_failed_to_respond,
  unknown_exception,
  // Responses that do not answer the request.
  function_mismatch,
  byte_count_mismatch,
  echo_mismatch,
  malformed_response,
  // Transactions.
  timeout,
  busy,
  transport_reset,
  // The transport: a port that cannot be opened, a server that cannot be reached.
  transport_unavailable,
  // Requests and values refused before sending.
  invalid_request,
  invalid_value,
  value_out_of_range,
  type_mismatch,
  not_writable,
  read_modify_write_required,
  unplannable_point,
};

// A stable name for the code: "illegal_data_address", "timeout".
std::string_view to_string(Errc code) noexcept;

// The category of Errc ("iotgw.modbus"), so that a code travels as an error_code.
const boost::system::error_category& modbus_category() noexcept;
boost::system::error_code make_error_code(Errc code) noexcept;

struct Error {
  Errc code = Errc::invalid_request;
  std::uint8_t exception_code = 0;  // the raw code of an exception response, else 0
  std::string detail;

  // A stable name for logs, metrics and command results: "illegal_data_address",
  // "unknown:12" for an exception code we have no name for.
  std::string name() const;
  // The name followed by the detail, when there is one.
  std::string message() const;
  bool is_exception() const { return code <= Errc::unknown_exception; }
};

// An error of `code` with its detail; no exception code.
Error make_error(Errc code, std::string detail);

// What result::value() throws for an error: a system_error of the code and the message.
[[noreturn]] void throw_exception_from_error(const Error& error,
                                             const boost::source_location& location);

// The error for exception code `code` of an exception response (section 7).
Error exception_error(std::uint8_t code);

// Either a value or an Error; errors from devices are values, never thrown.
template <class T = void>
using Result = boost::system::result<T, Error>;

}  // namespace iotgw::drivers::modbus

template <>
struct boost::system::is_error_code_enum<iotgw::drivers::modbus::Errc> : std::true_type {};
