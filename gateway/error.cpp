#include "gateway/error.hpp"

#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>

namespace iotgw::gateway {

namespace {

// boost::system::error_category's destructor is protected and non-virtual by
// design (categories are never deleted through the base); GCC warns anyway.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class Category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "iotgw.gateway"; }

  std::string message(int value) const override {
    switch (static_cast<Errc>(value)) {
      case Errc::not_a_command:
        return "not a command";
      case Errc::refused_response_topic:
        return "refused Response Topic";
      case Errc::retained:
        return "retained command";
      case Errc::unknown_device:
        return "unknown device";
      case Errc::unknown_point:
        return "unknown point";
      case Errc::not_writable:
        return "point not writable";
      case Errc::payload_beyond_bounds:
        return "command payload beyond its bounds";
      case Errc::malformed_payload:
        return "malformed command payload";
      case Errc::invalid_timestamp:
        return "invalid command timestamp";
      case Errc::from_the_future:
        return "command timestamp in the future";
      case Errc::too_old:
        return "command too old";
      case Errc::no_value:
        return "command without a value";
      case Errc::invalid_value:
        return "invalid value for the point";
      case Errc::store_moves:
        return "the store cannot move on a reload";
    }
    return "unknown gateway error";
  }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& gateway_category() noexcept {
  static const Category category;
  return category;
}

boost::system::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), gateway_category()};
}

void throw_exception_from_error(const Error& error, const boost::source_location& location) {
  boost::throw_exception(boost::system::system_error(make_error_code(error.code), error.detail),
                         location);
}

}  // namespace iotgw::gateway
