#include "drivers/serial/error.hpp"

#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>

namespace iotgw::drivers::serial {
namespace {

// boost::system::error_category's destructor is protected and non-virtual by
// design (categories are never deleted through the base); GCC warns anyway.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class Category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "iotgw.serial"; }
  std::string message(int code) const override {
    return std::string(to_string(static_cast<Errc>(code)));
  }
};
#pragma GCC diagnostic pop

}  // namespace

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
  static const Category category;
  return category;
}

boost::system::error_code make_error_code(Errc code) noexcept {
  return {static_cast<int>(code), serial_category()};
}

void throw_exception_from_error(const Error& error, const boost::source_location& location) {
  boost::throw_exception(boost::system::system_error(make_error_code(error.code), error.detail),
                         location);
}

}  // namespace iotgw::drivers::serial
