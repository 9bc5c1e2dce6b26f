#include "bridge/mqtt/packet/disconnect.hpp"

#include "bridge/mqtt/packet/reason_tail.hpp"

namespace iotgw::bridge::mqtt::packet {

Result<std::size_t> body_size(const Disconnect& packet, Version version) {
  return reason_tail_size(packet.reason, packet.properties.items(), PacketType::disconnect,
                          version);
}

void write_body(const Disconnect& packet, Version version, Writer& out) {
  write_reason_tail(packet.reason, packet.properties.items(), version, out);
}

Result<Disconnect> decode_disconnect(Reader& in) {
  auto tail = read_reason_tail(in, PacketType::disconnect);
  if (!tail) {
    return tail.error();
  }
  return Disconnect{tail->reason, std::move(tail->properties)};
}

}  // namespace iotgw::bridge::mqtt::packet
