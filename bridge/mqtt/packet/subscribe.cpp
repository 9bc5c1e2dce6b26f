#include "bridge/mqtt/packet/subscribe.hpp"

#include "bridge/mqtt/topic.hpp"

namespace iotgw::bridge::mqtt::packet {

Result<std::size_t> body_size(const Subscribe& packet) {
  if (packet.packet_id == 0) {
    return Error{Errc::zero_packet_id, "SUBSCRIBE: packet identifier is 0"};
  }
  if (packet.subscriptions.empty()) {
    return Error{Errc::empty_payload, "SUBSCRIBE: no topic filter"};
  }
  std::size_t size = 2;
  for (const auto& entry : packet.subscriptions) {
    if (auto checked = check_topic_filter(entry.filter); !checked) {
      return Error{checked.error().code, "SUBSCRIBE: " + checked.error().reason};
    }
    if (static_cast<std::uint8_t>(entry.qos) > 2) {
      return Error{Errc::invalid_qos, "SUBSCRIBE: requested QoS 3"};
    }
    size += 2 + entry.filter.size() + 1;
  }
  if (size > max_remaining_length) {
    return Error{Errc::packet_too_large, "SUBSCRIBE: remaining length exceeds 268435455"};
  }
  return size;
}

void write_body(const Subscribe& packet, Writer& out) {
  out.u16(packet.packet_id);
  for (const auto& entry : packet.subscriptions) {
    out.string(entry.filter);
    out.u8(static_cast<std::uint8_t>(entry.qos));
  }
}

Result<Subscribe> decode_subscribe(Reader& in) {
  Subscribe packet;
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
    auto requested = in.u8("requested QoS");
    if (!requested) {
      return requested.error();
    }
    if ((*requested & 0xFC) != 0) {
      return in.fail(Errc::bad_flags, "reserved bits set in requested QoS byte");
    }
    if (*requested == 3) {
      return in.fail(Errc::invalid_qos, "requested QoS 3");
    }
    packet.subscriptions.push_back(
        {std::move(*filter), static_cast<mqtt::packet::Qos>(*requested)});
  }
  return packet;
}

}  // namespace iotgw::bridge::mqtt::packet
