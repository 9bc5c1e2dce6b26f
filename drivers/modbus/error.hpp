// Errors of the Modbus core as values: Modbus exception responses from a
// device, responses that do not answer the request, timeouts, and requests or
// values we refuse before any byte goes on the wire.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

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
  // Requests and values refused before sending.
  invalid_request,
  invalid_value,
  value_out_of_range,
  type_mismatch,
  not_writable,
  read_modify_write_required,
  unplannable_point,
};

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

// The error for exception code `code` of an exception response (section 7).
Error exception_error(std::uint8_t code);

// Either a value or an Error; errors from devices are values, never thrown.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  const Error& error() const { return std::get<1>(state_); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> state_;
};

}  // namespace iotgw::drivers::modbus
