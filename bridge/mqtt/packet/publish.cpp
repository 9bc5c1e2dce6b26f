#include "bridge/mqtt/packet/publish.hpp"

#include "bridge/mqtt/topic.hpp"

namespace iotgw::bridge::mqtt::packet {

Result<std::size_t> body_size(const PublishView& packet) {
  if (static_cast<std::uint8_t>(packet.qos) > 2) {
    return Error{Errc::invalid_qos, "PUBLISH: QoS 3"};
  }
  if (auto checked = check_topic_name(packet.topic); !checked) {
    return Error{checked.error().code, "PUBLISH: " + checked.error().reason};
  }
  std::size_t size = 2 + packet.topic.size() + packet.payload.size();
  if (packet.qos == mqtt::packet::Qos::at_most_once) {
    if (packet.dup) {
      return Error{Errc::bad_flags, "PUBLISH: DUP set on a QoS 0 message"};
    }
  } else {
    if (packet.packet_id == 0) {
      return Error{Errc::zero_packet_id, "PUBLISH: packet identifier is 0 for QoS > 0"};
    }
    size += 2;
  }
  if (size > max_remaining_length) {
    return Error{Errc::packet_too_large,
                 "PUBLISH: remaining length " + std::to_string(size) + " exceeds 268435455"};
  }
  return size;
}

void write_body(const PublishView& packet, Writer& out) {
  out.string(packet.topic);
  if (packet.qos != mqtt::packet::Qos::at_most_once) {
    out.u16(packet.packet_id);
  }
  out.raw(packet.payload);
}

Result<Publish> decode_publish(std::uint8_t flags, Reader& in) {
  const auto first_byte =
      static_cast<std::uint8_t>((static_cast<std::uint8_t>(PacketType::publish) << 4) | flags);
  if (auto checked = check_fixed_flags(first_byte); !checked) {
    return checked.error();
  }
  Publish packet;
  packet.dup = (flags & 0x08) != 0;
  packet.qos = static_cast<mqtt::packet::Qos>((flags >> 1) & 0x03);
  packet.retain = (flags & 0x01) != 0;
  auto topic = in.utf8_string("topic name");
  if (!topic) {
    return topic.error();
  }
  if (auto checked = check_topic_name(*topic); !checked) {
    return in.fail(checked.error().code, checked.error().reason);
  }
  packet.topic = std::move(*topic);
  if (packet.qos != mqtt::packet::Qos::at_most_once) {
    auto id = in.packet_id();
    if (!id) {
      return id.error();
    }
    packet.packet_id = *id;
  }
  const auto payload = in.rest();
  packet.payload.assign(payload.begin(), payload.end());
  return packet;
}

bool set_dup(std::span<std::uint8_t> encoded, bool dup) noexcept {
  if (encoded.empty() || (encoded[0] >> 4) != static_cast<std::uint8_t>(PacketType::publish) ||
      (encoded[0] & 0x06) == 0 || (encoded[0] & 0x06) == 0x06) {
    return false;
  }
  encoded[0] = dup ? (encoded[0] | 0x08) : (encoded[0] & 0xF7);
  return true;
}

}  // namespace iotgw::bridge::mqtt::packet
