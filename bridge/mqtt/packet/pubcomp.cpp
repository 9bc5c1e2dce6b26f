#include "bridge/mqtt/packet/pubcomp.hpp"

namespace iotgw::mqtt {

result<std::size_t> body_size(const pubcomp& packet) {
  return packet_id_body_size(packet.packet_id, "PUBCOMP");
}

void write_body(const pubcomp& packet, writer& out) {
  out.u16(packet.packet_id);
}

result<pubcomp> decode_pubcomp(reader& in) {
  auto id = in.packet_id();
  if (!id) {
    return id.error();
  }
  return pubcomp{*id};
}

}  // namespace iotgw::mqtt
