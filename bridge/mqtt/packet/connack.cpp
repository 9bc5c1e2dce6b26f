#include "bridge/mqtt/packet/connack.hpp"

#include <string>

namespace iotgw::bridge::mqtt::packet {
namespace {

constexpr std::uint8_t last_defined_code = 5;

}  // namespace

std::string_view to_string(ConnackCode code) noexcept {
  switch (code) {
    case ConnackCode::accepted:
      return "connection accepted";
    case ConnackCode::unacceptable_protocol_version:
      return "refused: unacceptable protocol version";
    case ConnackCode::identifier_rejected:
      return "refused: client identifier rejected";
    case ConnackCode::server_unavailable:
      return "refused: server unavailable";
    case ConnackCode::bad_username_or_password:
      return "refused: bad user name or password";
    case ConnackCode::not_authorized:
      return "refused: not authorized";
  }
  return "refused: reserved return code";
}

Result<std::size_t> body_size(const Connack& packet) {
  if (static_cast<std::uint8_t>(packet.code) > last_defined_code) {
    return Error{
        Errc::invalid_return_code,
        "CONNACK: return code " + std::to_string(static_cast<int>(packet.code)) + " is reserved"};
  }
  if (packet.session_present && packet.code != ConnackCode::accepted) {
    return Error{Errc::bad_flags, "CONNACK: Session Present set on a refused connection"};
  }
  return std::size_t{2};
}

void write_body(const Connack& packet, Writer& out) {
  out.u8(packet.session_present ? 0x01 : 0x00);
  out.u8(static_cast<std::uint8_t>(packet.code));
}

Result<Connack> decode_connack(Reader& in) {
  auto flags = in.u8("acknowledge flags");
  if (!flags) {
    return flags.error();
  }
  if ((*flags & 0xFE) != 0) {
    return in.fail(Errc::bad_flags, "reserved acknowledge flag bits set: " +
                                        std::to_string(static_cast<int>(*flags)));
  }
  auto code = in.u8("return code");
  if (!code) {
    return code.error();
  }
  if (*code > last_defined_code) {
    return in.fail(Errc::invalid_return_code,
                   "return code " + std::to_string(static_cast<int>(*code)) + " is reserved");
  }
  Connack packet{(*flags & 0x01) != 0, static_cast<ConnackCode>(*code)};
  if (packet.session_present && packet.code != ConnackCode::accepted) {
    return in.fail(Errc::bad_flags, "Session Present set on a refused connection");
  }
  return packet;
}

}  // namespace iotgw::bridge::mqtt::packet
