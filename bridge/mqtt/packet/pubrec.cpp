#include "bridge/mqtt/packet/pubrec.hpp"

namespace iotgw::mqtt {

result<std::size_t> body_size(const pubrec& packet) {
  return packet_id_body_size(packet.packet_id, "PUBREC");
}

void write_body(const pubrec& packet, writer& out) {
  out.u16(packet.packet_id);
}

result<pubrec> decode_pubrec(reader& in) {
  auto id = in.packet_id();
  if (!id) {
    return id.error();
  }
  return pubrec{*id};
}

}  // namespace iotgw::mqtt
