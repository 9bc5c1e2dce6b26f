#include "bridge/mqtt/packet/unsuback.hpp"

namespace iotgw::bridge::mqtt::packet {

Result<std::size_t> body_size(const Unsuback& packet) {
  return packet_id_body_size(packet.packet_id, "UNSUBACK");
}

void write_body(const Unsuback& packet, Writer& out) {
  out.u16(packet.packet_id);
}

Result<Unsuback> decode_unsuback(Reader& in) {
  auto id = in.packet_id();
  if (!id) {
    return id.error();
  }
  return Unsuback{*id};
}

}  // namespace iotgw::bridge::mqtt::packet
