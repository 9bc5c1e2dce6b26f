#include "bridge/mqtt/packet/publish.hpp"

#include "bridge/mqtt/topic.hpp"

namespace iotgw::bridge::mqtt::packet {

namespace {

// 5.0 3.3.2.1: a topic name may be empty only when a Topic Alias stands in.
bool has_topic_alias(std::span<const Property> properties) noexcept {
  for (const auto& p : properties) {
    if (p.id == PropertyId::topic_alias) {
      return true;
    }
  }
  return false;
}

Result<> check_topic(std::string_view topic, std::span<const Property> properties,
                     Version version) {
  if (topic.empty() && version == Version::v5 && has_topic_alias(properties)) {
    return {};
  }
  return check_topic_name(topic);
}

}  // namespace

Result<std::size_t> body_size(const PublishView& packet, Version version) {
  if (static_cast<std::uint8_t>(packet.qos) > 2) {
    return Error{Errc::invalid_qos, "PUBLISH: QoS 3"};
  }
  if (auto checked = check_topic(packet.topic, packet.properties, version); !checked) {
    return Error{checked.error().code, "PUBLISH: " + checked.error().reason};
  }
  std::size_t size = 2 + packet.topic.size() + packet.payload.size();
  if (version == Version::v5) {
    auto properties = properties_size(packet.properties, PropertyScope::publish, "PUBLISH");
    if (!properties) {
      return properties.error();
    }
    size += *properties;
  } else if (!packet.properties.empty()) {
    return require_v5(version, "PUBLISH", "properties").error();
  }
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

void write_body(const PublishView& packet, Version version, Writer& out) {
  out.string(packet.topic);
  if (packet.qos != mqtt::packet::Qos::at_most_once) {
    out.u16(packet.packet_id);
  }
  if (version == Version::v5) {
    write_properties(packet.properties, out);
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
  packet.topic = std::move(*topic);
  if (packet.qos != mqtt::packet::Qos::at_most_once) {
    auto id = in.packet_id();
    if (!id) {
      return id.error();
    }
    packet.packet_id = *id;
  }
  if (in.version() == Version::v5) {
    auto properties = read_properties(in, PropertyScope::publish);
    if (!properties) {
      return properties.error();
    }
    packet.properties = std::move(*properties);
  }
  if (auto checked = check_topic(packet.topic, packet.properties.items(), in.version()); !checked) {
    return in.fail(checked.error().code, checked.error().reason);
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
