#include "bridge/mqtt/packet/unsuback.hpp"

#include <string>

namespace iotgw::bridge::mqtt::packet {
namespace {

std::string undefined(ReasonCode code) {
  return "reason code " + std::to_string(static_cast<int>(code)) + " is not defined for UNSUBACK";
}

}  // namespace

Result<std::size_t> body_size(const Unsuback& packet, Version version) {
  auto id = packet_id_body_size(packet.packet_id, "UNSUBACK");
  if (!id) {
    return id.error();
  }
  if (version != Version::v5) {
    if (!packet.reasons.empty() || !packet.properties.empty()) {
      return require_v5(version, "UNSUBACK", "reason codes or properties").error();
    }
    return *id;
  }
  if (packet.reasons.empty()) {
    return Error{Errc::empty_payload, "UNSUBACK: no reason code"};
  }
  for (const auto code : packet.reasons) {
    if (!allowed_in(code, PacketType::unsuback)) {
      return Error{Errc::invalid_reason_code, "UNSUBACK: " + undefined(code)};
    }
  }
  auto properties = properties_size(packet.properties.items(), PropertyScope::unsuback, "UNSUBACK");
  if (!properties) {
    return properties.error();
  }
  const std::size_t size = *id + *properties + packet.reasons.size();
  if (size > max_remaining_length) {
    return Error{Errc::packet_too_large, "UNSUBACK: remaining length exceeds 268435455"};
  }
  return size;
}

void write_body(const Unsuback& packet, Version version, Writer& out) {
  out.u16(packet.packet_id);
  if (version != Version::v5) {
    return;
  }
  write_properties(packet.properties.items(), out);
  for (const auto code : packet.reasons) {
    out.u8(static_cast<std::uint8_t>(code));
  }
}

Result<Unsuback> decode_unsuback(Reader& in) {
  Unsuback packet;
  auto id = in.packet_id();
  if (!id) {
    return id.error();
  }
  packet.packet_id = *id;
  if (in.version() != Version::v5) {
    return packet;
  }
  auto properties = read_properties(in, PropertyScope::unsuback);
  if (!properties) {
    return properties.error();
  }
  packet.properties = std::move(*properties);
  if (in.empty()) {
    return in.fail(Errc::empty_payload, "no reason code");
  }
  for (const auto byte : in.rest()) {
    const auto code = static_cast<ReasonCode>(byte);
    if (!allowed_in(code, PacketType::unsuback)) {
      return in.fail(Errc::invalid_reason_code, undefined(code));
    }
    packet.reasons.push_back(code);
  }
  return packet;
}

}  // namespace iotgw::bridge::mqtt::packet
