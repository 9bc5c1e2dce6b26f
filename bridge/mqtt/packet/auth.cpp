#include "bridge/mqtt/packet/auth.hpp"

#include "bridge/mqtt/packet/reason_tail.hpp"

namespace iotgw::bridge::mqtt::packet {

Result<std::size_t> body_size(const Auth& packet, Version version) {
  if (auto v5 = require_v5(version, "AUTH", "the packet"); !v5) {
    return v5.error();
  }
  return reason_tail_size(packet.reason, packet.properties.items(), PacketType::auth, version);
}

void write_body(const Auth& packet, Version version, Writer& out) {
  write_reason_tail(packet.reason, packet.properties.items(), version, out);
}

Result<Auth> decode_auth(Reader& in) {
  auto tail = read_reason_tail(in, PacketType::auth);
  if (!tail) {
    return tail.error();
  }
  return Auth{tail->reason, std::move(tail->properties)};
}

}  // namespace iotgw::bridge::mqtt::packet
