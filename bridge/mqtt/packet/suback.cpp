#include "bridge/mqtt/packet/suback.hpp"

#include <string>

namespace iotgw::bridge::mqtt::packet {
namespace {

// 3.9.3: 3.1.1 knows only the granted QoS and 0x80; 5.0 table 2-6 more.
bool is_defined(ReasonCode code, Version version) noexcept {
  if (version != Version::v5) {
    return code == ReasonCode::granted_qos0 || code == ReasonCode::granted_qos1 ||
           code == ReasonCode::granted_qos2 || code == ReasonCode::unspecified_error;
  }
  return allowed_in(code, PacketType::suback);
}

std::string undefined(ReasonCode code) {
  return "code " + std::to_string(static_cast<int>(code)) + " is not defined for SUBACK";
}

}  // namespace

Result<std::size_t> body_size(const Suback& packet, Version version) {
  if (packet.packet_id == 0) {
    return Error{Errc::zero_packet_id, "SUBACK: packet identifier is 0"};
  }
  if (packet.reasons.empty()) {
    return Error{Errc::empty_payload, "SUBACK: no return code"};
  }
  for (const auto code : packet.reasons) {
    if (!is_defined(code, version)) {
      return Error{Errc::invalid_reason_code, "SUBACK: " + undefined(code)};
    }
  }
  std::size_t size = 2 + packet.reasons.size();
  if (version == Version::v5) {
    auto properties = properties_size(packet.properties.items(), PropertyScope::suback, "SUBACK");
    if (!properties) {
      return properties.error();
    }
    size += *properties;
  } else if (!packet.properties.empty()) {
    return require_v5(version, "SUBACK", "properties").error();
  }
  if (size > max_remaining_length) {
    return Error{Errc::packet_too_large, "SUBACK: remaining length exceeds 268435455"};
  }
  return size;
}

void write_body(const Suback& packet, Version version, Writer& out) {
  out.u16(packet.packet_id);
  if (version == Version::v5) {
    write_properties(packet.properties.items(), out);
  }
  for (const auto code : packet.reasons) {
    out.u8(static_cast<std::uint8_t>(code));
  }
}

Result<Suback> decode_suback(Reader& in) {
  Suback packet;
  auto id = in.packet_id();
  if (!id) {
    return id.error();
  }
  packet.packet_id = *id;
  if (in.version() == Version::v5) {
    auto properties = read_properties(in, PropertyScope::suback);
    if (!properties) {
      return properties.error();
    }
    packet.properties = std::move(*properties);
  }
  if (in.empty()) {
    return in.fail(Errc::empty_payload, "no return code");
  }
  const auto codes = in.rest();
  packet.reasons.reserve(codes.size());
  for (const auto byte : codes) {
    const auto code = static_cast<ReasonCode>(byte);
    if (!is_defined(code, in.version())) {
      return in.fail(Errc::invalid_reason_code, undefined(code));
    }
    packet.reasons.push_back(code);
  }
  return packet;
}

}  // namespace iotgw::bridge::mqtt::packet
