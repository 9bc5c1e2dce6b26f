// What the drivers' error enums share: an error category whose messages are
// the codes' stable names, and the exception that result::value() throws.
#pragma once

#include <string>

#include <boost/assert/source_location.hpp>
#include <boost/system/error_category.hpp>
#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>

namespace iotgw::drivers {

// boost::system::error_category's destructor is protected and non-virtual by
// design (categories are never deleted through the base); GCC warns anyway.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
// The message of a code is to_string(Errc), found next to the enum.
template <class Errc>
class NamedCategory final : public boost::system::error_category {
 public:
  explicit NamedCategory(const char* name) : name_(name) {}
  const char* name() const noexcept override { return name_; }
  std::string message(int code) const override {
    return std::string(to_string(static_cast<Errc>(code)));
  }

 private:
  const char* name_;
};
#pragma GCC diagnostic pop

// A system_error of the error's code (make_error_code, found next to the enum)
// and its detail.
template <class Error>
[[noreturn]] void throw_system_error(const Error& error, const boost::source_location& location) {
  boost::throw_exception(boost::system::system_error(make_error_code(error.code), error.detail),
                         location);
}

}  // namespace iotgw::drivers
