#include "bridge/mqtt/error.hpp"

#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>

namespace iotgw::bridge::mqtt {

std::string_view to_string(Errc code) noexcept {
  switch (code) {
    case Errc::bad_packet_type:
      return "bad_packet_type";
    case Errc::bad_flags:
      return "bad_flags";
    case Errc::bad_remaining_length:
      return "bad_remaining_length";
    case Errc::packet_too_large:
      return "packet_too_large";
    case Errc::truncated:
      return "truncated";
    case Errc::trailing_bytes:
      return "trailing_bytes";
    case Errc::invalid_utf8:
      return "invalid_utf8";
    case Errc::invalid_topic_name:
      return "invalid_topic_name";
    case Errc::invalid_topic_filter:
      return "invalid_topic_filter";
    case Errc::zero_packet_id:
      return "zero_packet_id";
    case Errc::invalid_qos:
      return "invalid_qos";
    case Errc::invalid_protocol:
      return "invalid_protocol";
    case Errc::invalid_reason_code:
      return "invalid_reason_code";
    case Errc::invalid_property:
      return "invalid_property";
    case Errc::duplicate_property:
      return "duplicate_property";
    case Errc::unsupported_in_version:
      return "unsupported_in_version";
    case Errc::empty_payload:
      return "empty_payload";
    case Errc::field_too_long:
      return "field_too_long";
    case Errc::buffer_too_small:
      return "buffer_too_small";
    case Errc::protocol_violation:
      return "protocol_violation";
    case Errc::not_connected:
      return "not_connected";
    case Errc::window_full:
      return "window_full";
    case Errc::decoder_failed:
      return "decoder_failed";
    case Errc::transport_failed:
      return "transport_failed";
    case Errc::refused_by_broker:
      return "refused_by_broker";
  }
  return "unknown";
}

namespace {

// boost::system::error_category's destructor is protected and non-virtual by
// design (categories are never deleted through the base); GCC warns anyway.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class Category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "iotgw.mqtt"; }
  std::string message(int value) const override {
    return std::string(to_string(static_cast<Errc>(value)));
  }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& error_category() noexcept {
  static const Category category;
  return category;
}

boost::system::error_code make_error_code(Errc code) noexcept {
  return {static_cast<int>(code), error_category()};
}

void throw_exception_from_error(const Error& failure, const boost::source_location& location) {
  boost::throw_exception(boost::system::system_error(make_error_code(failure.code), failure.reason),
                         location);
}

}  // namespace iotgw::bridge::mqtt
