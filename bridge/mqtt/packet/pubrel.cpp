#include "bridge/mqtt/packet/pubrel.hpp"

namespace iotgw::bridge::mqtt::packet {

Result<std::size_t> body_size(const Pubrel& packet) {
  return packet_id_body_size(packet.packet_id, "PUBREL");
}

void write_body(const Pubrel& packet, Writer& out) {
  out.u16(packet.packet_id);
}

Result<Pubrel> decode_pubrel(Reader& in) {
  auto id = in.packet_id();
  if (!id) {
    return id.error();
  }
  return Pubrel{*id};
}

}  // namespace iotgw::bridge::mqtt::packet
