#include "bridge/mqtt/packet/unsubscribe.hpp"

#include "bridge/mqtt/topic.hpp"

namespace iotgw::bridge::mqtt::packet {

Result<std::size_t> body_size(const Unsubscribe& packet) {
  if (packet.packet_id == 0) {
    return Error{Errc::zero_packet_id, "UNSUBSCRIBE: packet identifier is 0"};
  }
  if (packet.filters.empty()) {
    return Error{Errc::empty_payload, "UNSUBSCRIBE: no topic filter"};
  }
  std::size_t size = 2;
  for (const auto& filter : packet.filters) {
    if (auto checked = check_topic_filter(filter); !checked) {
      return Error{checked.error().code, "UNSUBSCRIBE: " + checked.error().reason};
    }
    size += 2 + filter.size();
  }
  if (size > max_remaining_length) {
    return Error{Errc::packet_too_large, "UNSUBSCRIBE: remaining length exceeds 268435455"};
  }
  return size;
}

void write_body(const Unsubscribe& packet, Writer& out) {
  out.u16(packet.packet_id);
  for (const auto& filter : packet.filters) {
    out.string(filter);
  }
}

Result<Unsubscribe> decode_unsubscribe(Reader& in) {
  Unsubscribe packet;
  auto id = in.filter_list_id();
  if (!id) {
    return id.error();
  }
  packet.packet_id = *id;
  while (!in.empty()) {
    auto filter = in.topic_filter();
    if (!filter) {
      return filter.error();
    }
    packet.filters.push_back(std::move(*filter));
  }
  return packet;
}

}  // namespace iotgw::bridge::mqtt::packet
