#include "drivers/modbus/error.hpp"

#include <array>
#include <utility>

#include "drivers/error_category.hpp"

namespace iotgw::drivers::modbus {
namespace {

// Exception codes with a name, as listed in section 7 of the application protocol spec.
constexpr std::array<std::pair<std::uint8_t, Errc>, 9> named_exceptions{{
    {0x01, Errc::illegal_function},
    {0x02, Errc::illegal_data_address},
    {0x03, Errc::illegal_data_value},
    {0x04, Errc::server_device_failure},
    {0x05, Errc::acknowledge},
    {0x06, Errc::server_device_busy},
    {0x08, Errc::memory_parity_error},
    {0x0A, Errc::gateway_path_unavailable},
    {0x0B, Errc::gateway_target_failed_to_respond},
}};

}  // namespace

std::string_view to_string(Errc code) noexcept {
  switch (code) {
    case Errc::illegal_function:
      return "illegal_function";
    case Errc::illegal_data_address:
      return "illegal_data_address";
    case Errc::illegal_data_value:
      return "illegal_data_value";
    case Errc::server_device_failure:
      return "server_device_failure";
    case Errc::acknowledge:
      return "acknowledge";
    case Errc::server_device_busy:
      return "server_device_busy";
    case Errc::memory_parity_error:
      return "memory_parity_error";
    case Errc::gateway_path_unavailable:
      return "gateway_path_unavailable";
    case Errc::gateway_target_failed_to_respond:
      return "gateway_target_failed_to_respond";
    case Errc::unknown_exception:
      return "unknown_exception";
    case Errc::function_mismatch:
      return "function_mismatch";
    case Errc::byte_count_mismatch:
      return "byte_count_mismatch";
    case Errc::echo_mismatch:
      return "echo_mismatch";
    case Errc::malformed_response:
      return "malformed_response";
    case Errc::timeout:
      return "timeout";
    case Errc::busy:
      return "busy";
    case Errc::transport_reset:
      return "transport_reset";
    case Errc::transport_unavailable:
      return "transport_unavailable";
    case Errc::invalid_request:
      return "invalid_request";
    case Errc::invalid_value:
      return "invalid_value";
    case Errc::value_out_of_range:
      return "value_out_of_range";
    case Errc::type_mismatch:
      return "type_mismatch";
    case Errc::not_writable:
      return "not_writable";
    case Errc::read_modify_write_required:
      return "read_modify_write_required";
    case Errc::unplannable_point:
      return "unplannable_point";
  }
  return "unknown_error";
}

const boost::system::error_category& modbus_category() noexcept {
  static const NamedCategory<Errc> category("iotgw.modbus");
  return category;
}

boost::system::error_code make_error_code(Errc code) noexcept {
  return {static_cast<int>(code), modbus_category()};
}

std::string Error::name() const {
  if (code == Errc::unknown_exception) {
    return "unknown:" + std::to_string(exception_code);
  }
  return std::string(to_string(code));
}

std::string Error::message() const {
  return detail.empty() ? name() : name() + ": " + detail;
}

Error make_error(Errc code, std::string detail) {
  return Error{.code = code, .exception_code = 0, .detail = std::move(detail)};
}

void throw_exception_from_error(const Error& error, const boost::source_location& location) {
  throw_system_error(error, location);
}

Error exception_error(std::uint8_t code) {
  Error error;
  error.code = Errc::unknown_exception;
  error.exception_code = code;
  for (const auto& [number, named] : named_exceptions) {
    if (number == code) {
      error.code = named;
    }
  }
  return error;
}

}  // namespace iotgw::drivers::modbus
