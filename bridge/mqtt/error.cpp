#include "bridge/mqtt/error.hpp"

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
    case Errc::invalid_return_code:
      return "invalid_return_code";
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
  }
  return "unknown";
}

}  // namespace iotgw::bridge::mqtt
