#include "bridge/mqtt/packet/acknowledgement.hpp"

#include <string>

#include "bridge/mqtt/packet/reason_tail.hpp"

namespace iotgw::bridge::mqtt::packet {

Result<std::size_t> acknowledgement_size(std::uint16_t packet_id, ReasonCode reason,
                                         const Properties& properties, PacketType type,
                                         Version version) {
  auto id = packet_id_body_size(packet_id, to_string(type));
  if (!id) {
    return id.error();
  }
  auto tail = reason_tail_size(reason, properties.items(), type, version);
  if (!tail) {
    return tail.error();
  }
  return *id + *tail;
}

void write_acknowledgement(std::uint16_t packet_id, ReasonCode reason, const Properties& properties,
                           Version version, Writer& out) {
  out.u16(packet_id);
  write_reason_tail(reason, properties.items(), version, out);
}

template <PacketType Type>
Result<Acknowledgement<Type>> decode_acknowledgement(Reader& in) {
  auto id = in.packet_id();
  if (!id) {
    return id.error();
  }
  auto tail = read_reason_tail(in, Type);
  if (!tail) {
    return tail.error();
  }
  return Acknowledgement<Type>{*id, tail->reason, std::move(tail->properties)};
}

template Result<Puback> decode_acknowledgement<PacketType::puback>(Reader&);
template Result<Pubrec> decode_acknowledgement<PacketType::pubrec>(Reader&);
template Result<Pubrel> decode_acknowledgement<PacketType::pubrel>(Reader&);
template Result<Pubcomp> decode_acknowledgement<PacketType::pubcomp>(Reader&);

}  // namespace iotgw::bridge::mqtt::packet
