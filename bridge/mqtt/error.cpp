#include "bridge/mqtt/error.hpp"

namespace iotgw::mqtt {

std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::bad_packet_type:
      return "bad_packet_type";
    case errc::bad_flags:
      return "bad_flags";
    case errc::bad_remaining_length:
      return "bad_remaining_length";
    case errc::packet_too_large:
      return "packet_too_large";
    case errc::truncated:
      return "truncated";
    case errc::trailing_bytes:
      return "trailing_bytes";
    case errc::invalid_utf8:
      return "invalid_utf8";
    case errc::invalid_topic_name:
      return "invalid_topic_name";
    case errc::invalid_topic_filter:
      return "invalid_topic_filter";
    case errc::zero_packet_id:
      return "zero_packet_id";
    case errc::invalid_qos:
      return "invalid_qos";
    case errc::invalid_protocol:
      return "invalid_protocol";
    case errc::invalid_return_code:
      return "invalid_return_code";
    case errc::empty_payload:
      return "empty_payload";
    case errc::field_too_long:
      return "field_too_long";
    case errc::buffer_too_small:
      return "buffer_too_small";
    case errc::protocol_violation:
      return "protocol_violation";
    case errc::not_connected:
      return "not_connected";
    case errc::window_full:
      return "window_full";
    case errc::decoder_failed:
      return "decoder_failed";
  }
  return "unknown";
}

}  // namespace iotgw::mqtt
