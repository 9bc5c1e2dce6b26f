#include "bridge/mqtt/packet/pubrec.hpp"

namespace iotgw::bridge::mqtt::packet {

Result<std::size_t> body_size(const Pubrec& packet) {
  return packet_id_body_size(packet.packet_id, "PUBREC");
}

void write_body(const Pubrec& packet, Writer& out) {
  out.u16(packet.packet_id);
}

Result<Pubrec> decode_pubrec(Reader& in) {
  auto id = in.packet_id();
  if (!id) {
    return id.error();
  }
  return Pubrec{*id};
}

}  // namespace iotgw::bridge::mqtt::packet
