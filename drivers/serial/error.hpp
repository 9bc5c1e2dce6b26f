// Errors of opening a serial line as values: a port name that names no port,
// or a device the system would not open or configure.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>

#include <boost/assert/source_location.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

namespace iotgw::drivers::serial {

enum class Errc {
  invalid_usb_name,     // not usb:VID:PID[:SERIAL] with hexadecimal ids
  no_usb_match,         // no USB serial port has those ids
  several_usb_matches,  // more than one does: the serial number is needed
  cannot_open,          // open, exclusive use, line settings, RS-485 mode or flush failed
};

// A stable name for the code: "no_usb_match".
std::string_view to_string(Errc code) noexcept;

// The category of Errc ("iotgw.serial"), so that a code travels as an error_code.
const boost::system::error_category& serial_category() noexcept;
boost::system::error_code make_error_code(Errc code) noexcept;

struct Error {
  Errc code = Errc::cannot_open;
  std::string detail;  // the sentence for the log
};

// What result::value() throws for an error: a system_error of the code and the detail.
[[noreturn]] void throw_exception_from_error(const Error& error,
                                             const boost::source_location& location);

template <class T = void>
using Result = boost::system::result<T, Error>;

}  // namespace iotgw::drivers::serial

template <>
struct boost::system::is_error_code_enum<iotgw::drivers::serial::Errc> : std::true_type {};
