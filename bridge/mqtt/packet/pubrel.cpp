#include "bridge/mqtt/packet/pubrel.hpp"

namespace iotgw::mqtt {

result<std::size_t> body_size(const pubrel& packet) {
  return packet_id_body_size(packet.packet_id, "PUBREL");
}

void write_body(const pubrel& packet, writer& out) {
  out.u16(packet.packet_id);
}

result<pubrel> decode_pubrel(reader& in) {
  auto id = in.packet_id();
  if (!id) {
    return id.error();
  }
  return pubrel{*id};
}

}  // namespace iotgw::mqtt
