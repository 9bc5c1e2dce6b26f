#include "bridge/mqtt/packet/connack.hpp"

#include <string>

namespace iotgw::mqtt {
namespace {

constexpr std::uint8_t last_defined_code = 5;

}  // namespace

std::string_view to_string(connack_code code) noexcept {
  switch (code) {
    case connack_code::accepted:
      return "connection accepted";
    case connack_code::unacceptable_protocol_version:
      return "refused: unacceptable protocol version";
    case connack_code::identifier_rejected:
      return "refused: client identifier rejected";
    case connack_code::server_unavailable:
      return "refused: server unavailable";
    case connack_code::bad_username_or_password:
      return "refused: bad user name or password";
    case connack_code::not_authorized:
      return "refused: not authorized";
  }
  return "refused: reserved return code";
}

result<std::size_t> body_size(const connack& packet) {
  if (static_cast<std::uint8_t>(packet.code) > last_defined_code) {
    return error{
        errc::invalid_return_code,
        "CONNACK: return code " + std::to_string(static_cast<int>(packet.code)) + " is reserved"};
  }
  if (packet.session_present && packet.code != connack_code::accepted) {
    return error{errc::bad_flags, "CONNACK: Session Present set on a refused connection"};
  }
  return std::size_t{2};
}

void write_body(const connack& packet, writer& out) {
  out.u8(packet.session_present ? 0x01 : 0x00);
  out.u8(static_cast<std::uint8_t>(packet.code));
}

result<connack> decode_connack(reader& in) {
  auto flags = in.u8("acknowledge flags");
  if (!flags) {
    return flags.error();
  }
  if ((*flags & 0xFE) != 0) {
    return in.fail(errc::bad_flags, "reserved acknowledge flag bits set: " +
                                        std::to_string(static_cast<int>(*flags)));
  }
  auto code = in.u8("return code");
  if (!code) {
    return code.error();
  }
  if (*code > last_defined_code) {
    return in.fail(errc::invalid_return_code,
                   "return code " + std::to_string(static_cast<int>(*code)) + " is reserved");
  }
  connack packet{(*flags & 0x01) != 0, static_cast<connack_code>(*code)};
  if (packet.session_present && packet.code != connack_code::accepted) {
    return in.fail(errc::bad_flags, "Session Present set on a refused connection");
  }
  return packet;
}

}  // namespace iotgw::mqtt
