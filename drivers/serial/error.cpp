#include "drivers/serial/error.hpp"

#include "drivers/error_category.hpp"

namespace iotgw::drivers::serial {

std::string_view to_string(Errc code) noexcept {
  switch (code) {
    case Errc::invalid_usb_name:
      return "invalid_usb_name";
    case Errc::no_usb_match:
      return "no_usb_match";
    case Errc::several_usb_matches:
      return "several_usb_matches";
    case Errc::cannot_open:
      return "cannot_open";
  }
  return "unknown_error";
}

const boost::system::error_category& serial_category() noexcept {
  static const NamedCategory<Errc> category("iotgw.serial");
  return category;
}

boost::system::error_code make_error_code(Errc code) noexcept {
  return {static_cast<int>(code), serial_category()};
}

void throw_exception_from_error(const Error& error, const boost::source_location& location) {
  throw_system_error(error, location);
}

}  // namespace iotgw::drivers::serial
