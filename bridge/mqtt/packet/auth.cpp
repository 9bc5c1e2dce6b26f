#include "bridge/mqtt/packet/auth.hpp"

#include "bridge/mqtt/packet/reason_tail.hpp"

namespace iotgw::bridge::mqtt::packet {
namespace {

// 5.0 3.15.2.2.2: omitting the Authentication Method is a Protocol Error.
// Only the AUTH that leaves out reason code and properties (Success, 5.0
// 3.15.2.1) goes without one.
bool names_its_method(const Properties& properties) noexcept {
  return properties.string(PropertyId::authentication_method).has_value();
}

}  // namespace

Result<std::size_t> body_size(const Auth& packet, Version version) {
  if (auto v5 = require_v5(version, "AUTH", "the packet"); !v5) {
    return v5.error();
  }
  auto size = reason_tail_size(packet.reason, packet.properties.items(), PacketType::auth, version);
  if (size && *size > 0 && !names_its_method(packet.properties)) {
    return Error{Errc::invalid_property, "AUTH: no Authentication Method"};
  }
  return size;
}

void write_body(const Auth& packet, Version version, Writer& out) {
  write_reason_tail(packet.reason, packet.properties.items(), version, out);
}

Result<Auth> decode_auth(Reader& in) {
  const bool bare = in.empty();
  auto tail = read_reason_tail(in, PacketType::auth);
  if (!tail) {
    return tail.error();
  }
  if (!bare && !names_its_method(tail->properties)) {
    return in.fail(Errc::invalid_property, "no Authentication Method");
  }
  return Auth{tail->reason, std::move(tail->properties)};
}

}  // namespace iotgw::bridge::mqtt::packet
