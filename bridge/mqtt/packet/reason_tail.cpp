#include "bridge/mqtt/packet/reason_tail.hpp"

#include <string>

namespace iotgw::bridge::mqtt::packet {

Result<std::size_t> reason_tail_size(ReasonCode reason, std::span<const Property> properties,
                                     PacketType type, Version version) {
  const std::string name(to_string(type));
  if (version != Version::v5) {
    if (reason != ReasonCode::success || !properties.empty()) {
      return require_v5(version, name, "a reason code or properties").error();
    }
    return std::size_t{0};
  }
  if (!allowed_in(reason, type)) {
    return Error{Errc::invalid_reason_code, name + ": reason code " +
                                                std::to_string(static_cast<int>(reason)) +
                                                " is not defined for this packet"};
  }
  if (properties.empty()) {
    return std::size_t{reason == ReasonCode::success ? 0u : 1u};
  }
  auto size = properties_size(properties, scope_of(type), name);
  if (!size) {
    return size.error();
  }
  return 1 + *size;
}

void write_reason_tail(ReasonCode reason, std::span<const Property> properties, Version version,
                       Writer& out) {
  if (version != Version::v5 || (reason == ReasonCode::success && properties.empty())) {
    return;
  }
  out.u8(static_cast<std::uint8_t>(reason));
  if (!properties.empty()) {
    write_properties(properties, out);
  }
}

Result<ReasonTail> read_reason_tail(Reader& in, PacketType type) {
  ReasonTail tail;
  if (in.version() != Version::v5 || in.empty()) {
    return tail;
  }
  auto code = in.u8("reason code");
  if (!code) {
    return code.error();
  }
  tail.reason = static_cast<ReasonCode>(*code);
  if (!allowed_in(tail.reason, type)) {
    return in.fail(Errc::invalid_reason_code,
                   "reason code " + std::to_string(*code) + " is not defined for this packet");
  }
  if (in.empty()) {
    return tail;
  }
  auto properties = read_properties(in, scope_of(type));
  if (!properties) {
    return properties.error();
  }
  tail.properties = std::move(*properties);
  return tail;
}

}  // namespace iotgw::bridge::mqtt::packet
