#include "bridge/mqtt/packet/connack.hpp"

#include <array>
#include <string>

namespace iotgw::bridge::mqtt::packet {
namespace {

// 3.2.2.3 table 3.1, index = return code, with the MQTT 5 reason code that
// 5.0 3.2.2.2 gives the same meaning.
constexpr std::array<ReasonCode, 6> v3_1_1_reasons = {
    ReasonCode::success,
    ReasonCode::unsupported_protocol_version,
    ReasonCode::client_identifier_not_valid,
    ReasonCode::server_unavailable,
    ReasonCode::bad_user_name_or_password,
    ReasonCode::not_authorized,
};

}  // namespace

std::optional<std::uint8_t> v3_1_1_return_code(ReasonCode reason) noexcept {
  for (std::uint8_t code = 0; code < v3_1_1_reasons.size(); ++code) {
    if (v3_1_1_reasons[code] == reason) {
      return code;
    }
  }
  return std::nullopt;
}

Result<std::size_t> body_size(const Connack& packet, Version version) {
  if (packet.session_present && is_failure(packet.reason)) {
    return Error{Errc::bad_flags, "CONNACK: Session Present set on a refused connection"};
  }
  if (version != Version::v5) {
    if (!v3_1_1_return_code(packet.reason)) {
      return Error{Errc::invalid_reason_code, "CONNACK: reason code " +
                                                  std::to_string(static_cast<int>(packet.reason)) +
                                                  " has no MQTT 3.1.1 return code"};
    }
    if (!packet.properties.empty()) {
      return require_v5(version, "CONNACK", "properties").error();
    }
    return std::size_t{2};
  }
  if (!allowed_in(packet.reason, PacketType::connack)) {
    return Error{Errc::invalid_reason_code, "CONNACK: reason code " +
                                                std::to_string(static_cast<int>(packet.reason)) +
                                                " is not defined for CONNACK"};
  }
  auto properties = properties_size(packet.properties.items(), PropertyScope::connack, "CONNACK");
  if (!properties) {
    return properties.error();
  }
  return 2 + *properties;
}

void write_body(const Connack& packet, Version version, Writer& out) {
  out.u8(packet.session_present ? 0x01 : 0x00);
  if (version != Version::v5) {
    out.u8(v3_1_1_return_code(packet.reason).value_or(0));
    return;
  }
  out.u8(static_cast<std::uint8_t>(packet.reason));
  write_properties(packet.properties.items(), out);
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
  auto code = in.u8(in.version() == Version::v5 ? "reason code" : "return code");
  if (!code) {
    return code.error();
  }
  Connack packet;
  packet.session_present = (*flags & 0x01) != 0;
  if (in.version() != Version::v5) {
    if (*code >= v3_1_1_reasons.size()) {
      return in.fail(Errc::invalid_reason_code,
                     "return code " + std::to_string(static_cast<int>(*code)) + " is reserved");
    }
    packet.reason = v3_1_1_reasons[*code];
  } else {
    packet.reason = static_cast<ReasonCode>(*code);
    if (!allowed_in(packet.reason, PacketType::connack)) {
      return in.fail(
          Errc::invalid_reason_code,
          "reason code " + std::to_string(static_cast<int>(*code)) + " is not defined for CONNACK");
    }
    auto properties = read_properties(in, PropertyScope::connack);
    if (!properties) {
      return properties.error();
    }
    packet.properties = std::move(*properties);
  }
  if (packet.session_present && is_failure(packet.reason)) {
    return in.fail(Errc::bad_flags, "Session Present set on a refused connection");
  }
  return packet;
}

}  // namespace iotgw::bridge::mqtt::packet
