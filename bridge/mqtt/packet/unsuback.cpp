#include "bridge/mqtt/packet/unsuback.hpp"

namespace iotgw::mqtt {

result<std::size_t> body_size(const unsuback& packet) {
  return packet_id_body_size(packet.packet_id, "UNSUBACK");
}

void write_body(const unsuback& packet, writer& out) {
  out.u16(packet.packet_id);
}

result<unsuback> decode_unsuback(reader& in) {
  auto id = in.packet_id();
  if (!id) {
    return id.error();
  }
  return unsuback{*id};
}

}  // namespace iotgw::mqtt
