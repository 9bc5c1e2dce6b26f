#include "bridge/mqtt/packet/puback.hpp"

namespace iotgw::mqtt {

result<std::size_t> body_size(const puback& packet) {
  return packet_id_body_size(packet.packet_id, "PUBACK");
}

void write_body(const puback& packet, writer& out) {
  out.u16(packet.packet_id);
}

result<puback> decode_puback(reader& in) {
  auto id = in.packet_id();
  if (!id) {
    return id.error();
  }
  return puback{*id};
}

}  // namespace iotgw::mqtt
