#include "drivers/modbus/error.hpp"

namespace iotgw::drivers::modbus {

std::string Error::name() const {
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
      return "unknown:" + std::to_string(exception_code);
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

std::string Error::message() const {
  return detail.empty() ? name() : name() + ": " + detail;
}

// Exception codes as listed in section 7 of the application protocol spec.
Error exception_error(std::uint8_t code) {
  Error error;
  error.exception_code = code;
  switch (code) {
    case 0x01:
      error.code = Errc::illegal_function;
      break;
    case 0x02:
      error.code = Errc::illegal_data_address;
      break;
    case 0x03:
      error.code = Errc::illegal_data_value;
      break;
    case 0x04:
      error.code = Errc::server_device_failure;
      break;
    case 0x05:
      error.code = Errc::acknowledge;
      break;
    case 0x06:
      error.code = Errc::server_device_busy;
      break;
    case 0x08:
      error.code = Errc::memory_parity_error;
      break;
    case 0x0A:
      error.code = Errc::gateway_path_unavailable;
      break;
    case 0x0B:
      error.code = Errc::gateway_target_failed_to_respond;
      break;
    default:
      error.code = Errc::unknown_exception;
      break;
  }
  return error;
}

}  // namespace iotgw::drivers::modbus
