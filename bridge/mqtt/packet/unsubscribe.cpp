#include "bridge/mqtt/packet/unsubscribe.hpp"

#include "bridge/mqtt/topic.hpp"

namespace iotgw::bridge::mqtt::packet {

Result<std::size_t> body_size(const Unsubscribe& packet, Version version) {
  if (packet.packet_id == 0) {
    return Error{Errc::zero_packet_id, "UNSUBSCRIBE: packet identifier is 0"};
  }
  if (packet.filters.empty()) {
    return Error{Errc::empty_payload, "UNSUBSCRIBE: no topic filter"};
  }
  std::size_t size = 2;
  if (version == Version::v5) {
    auto properties =
        properties_size(packet.properties.items(), PropertyScope::unsubscribe, "UNSUBSCRIBE");
    if (!properties) {
      return properties.error();
    }
    size += *properties;
  } else if (!packet.properties.empty()) {
    return require_v5(version, "UNSUBSCRIBE", "properties").error();
  }
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

void write_body(const Unsubscribe& packet, Version version, Writer& out) {
  out.u16(packet.packet_id);
  if (version == Version::v5) {
    write_properties(packet.properties.items(), out);
  }
  for (const auto& filter : packet.filters) {
    out.string(filter);
  }
}

Result<Unsubscribe> decode_unsubscribe(Reader& in) {
  Unsubscribe packet;
  auto id = in.packet_id();
  if (!id) {
    return id.error();
  }
  packet.packet_id = *id;
  if (in.version() == Version::v5) {
    auto properties = read_properties(in, PropertyScope::unsubscribe);
    if (!properties) {
      return properties.error();
    }
    packet.properties = std::move(*properties);
  }
  if (in.empty()) {
    return in.fail(Errc::empty_payload, "no topic filter");
  }
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
