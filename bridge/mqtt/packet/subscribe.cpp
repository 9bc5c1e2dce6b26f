#include "bridge/mqtt/packet/subscribe.hpp"

#include "bridge/mqtt/topic.hpp"

namespace iotgw::mqtt {

result<std::size_t> body_size(const subscribe& packet) {
  if (packet.packet_id == 0) {
    return error{errc::zero_packet_id, "SUBSCRIBE: packet identifier is 0"};
  }
  if (packet.subscriptions.empty()) {
    return error{errc::empty_payload, "SUBSCRIBE: no topic filter"};
  }
  std::size_t size = 2;
  for (const auto& entry : packet.subscriptions) {
    if (auto failure = check_topic_filter(entry.filter)) {
      return error{failure->code, "SUBSCRIBE: " + failure->reason};
    }
    if (static_cast<std::uint8_t>(entry.qos) > 2) {
      return error{errc::invalid_qos, "SUBSCRIBE: requested QoS 3"};
    }
    size += 2 + entry.filter.size() + 1;
  }
  if (size > max_remaining_length) {
    return error{errc::packet_too_large, "SUBSCRIBE: remaining length exceeds 268435455"};
  }
  return size;
}

void write_body(const subscribe& packet, writer& out) {
  out.u16(packet.packet_id);
  for (const auto& entry : packet.subscriptions) {
    out.string(entry.filter);
    out.u8(static_cast<std::uint8_t>(entry.qos));
  }
}

result<subscribe> decode_subscribe(reader& in) {
  subscribe packet;
  auto id = in.packet_id();
  if (!id) {
    return id.error();
  }
  packet.packet_id = *id;
  if (in.empty()) {
    return in.fail(errc::empty_payload, "no topic filter");
  }
  while (!in.empty()) {
    auto filter = in.utf8_string("topic filter");
    if (!filter) {
      return filter.error();
    }
    if (auto failure = check_topic_filter(*filter)) {
      return in.fail(failure->code, failure->reason);
    }
    auto requested = in.u8("requested QoS");
    if (!requested) {
      return requested.error();
    }
    if ((*requested & 0xFC) != 0) {
      return in.fail(errc::bad_flags, "reserved bits set in requested QoS byte");
    }
    if (*requested == 3) {
      return in.fail(errc::invalid_qos, "requested QoS 3");
    }
    packet.subscriptions.push_back({std::move(*filter), static_cast<mqtt::qos>(*requested)});
  }
  return packet;
}

}  // namespace iotgw::mqtt
