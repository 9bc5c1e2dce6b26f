#include "bridge/mqtt/packet/pubcomp.hpp"

namespace iotgw::bridge::mqtt::packet {

Result<std::size_t> body_size(const Pubcomp& packet) {
  return packet_id_body_size(packet.packet_id, "PUBCOMP");
}

void write_body(const Pubcomp& packet, Writer& out) {
  out.u16(packet.packet_id);
}

Result<Pubcomp> decode_pubcomp(Reader& in) {
  auto id = in.packet_id();
  if (!id) {
    return id.error();
  }
  return Pubcomp{*id};
}

}  // namespace iotgw::bridge::mqtt::packet
