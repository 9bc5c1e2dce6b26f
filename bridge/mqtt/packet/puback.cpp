#include "bridge/mqtt/packet/puback.hpp"

namespace iotgw::bridge::mqtt::packet {

Result<std::size_t> body_size(const Puback& packet) {
  return packet_id_body_size(packet.packet_id, "PUBACK");
}

void write_body(const Puback& packet, Writer& out) {
  out.u16(packet.packet_id);
}

Result<Puback> decode_puback(Reader& in) {
  auto id = in.packet_id();
  if (!id) {
    return id.error();
  }
  return Puback{*id};
}

}  // namespace iotgw::bridge::mqtt::packet
