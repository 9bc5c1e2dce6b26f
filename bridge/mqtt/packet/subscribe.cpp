#include "bridge/mqtt/packet/subscribe.hpp"

#include "bridge/mqtt/topic.hpp"

namespace iotgw::bridge::mqtt::packet {
namespace {

// 5.0 3.8.3.1 figure 3-21: the subscription options byte.
constexpr std::uint8_t option_qos_mask = 0x03;
constexpr std::uint8_t option_no_local = 0x04;
constexpr std::uint8_t option_retain_as_published = 0x08;
constexpr std::uint8_t option_retain_handling_shift = 4;
constexpr std::uint8_t option_retain_handling_mask = 0x30;
constexpr std::uint8_t option_reserved_v5 = 0xC0;
constexpr std::uint8_t option_reserved_v3_1_1 = 0xFC;

// 4.8.2 (5.0): a shared subscription's filter starts with "$share/".
bool is_shared(std::string_view filter) noexcept {
  return filter.starts_with("$share/");
}

bool has_v5_options(const Subscription& entry) noexcept {
  return entry.no_local || entry.retain_as_published ||
         entry.retain_handling != RetainHandling::send_at_subscribe;
}

std::uint8_t options_byte(const Subscription& entry) noexcept {
  return static_cast<std::uint8_t>(
      static_cast<std::uint8_t>(entry.qos) | (entry.no_local ? option_no_local : 0) |
      (entry.retain_as_published ? option_retain_as_published : 0) |
      (static_cast<std::uint8_t>(entry.retain_handling) << option_retain_handling_shift));
}

}  // namespace

Result<std::size_t> body_size(const Subscribe& packet, Version version) {
  if (packet.packet_id == 0) {
    return Error{Errc::zero_packet_id, "SUBSCRIBE: packet identifier is 0"};
  }
  if (packet.subscriptions.empty()) {
    return Error{Errc::empty_payload, "SUBSCRIBE: no topic filter"};
  }
  std::size_t size = 2;
  if (version == Version::v5) {
    auto properties =
        properties_size(packet.properties.items(), PropertyScope::subscribe, "SUBSCRIBE");
    if (!properties) {
      return properties.error();
    }
    size += *properties;
  } else if (!packet.properties.empty()) {
    return require_v5(version, "SUBSCRIBE", "properties").error();
  }
  for (const auto& entry : packet.subscriptions) {
    if (auto checked = check_topic_filter(entry.filter); !checked) {
      return Error{checked.error().code, "SUBSCRIBE: " + checked.error().reason};
    }
    if (static_cast<std::uint8_t>(entry.qos) > 2) {
      return Error{Errc::invalid_qos, "SUBSCRIBE: requested QoS 3"};
    }
    if (version != Version::v5 && has_v5_options(entry)) {
      return require_v5(version, "SUBSCRIBE", "No Local, Retain As Published or Retain Handling")
          .error();
    }
    if (static_cast<std::uint8_t>(entry.retain_handling) > 2) {
      return Error{Errc::bad_flags, "SUBSCRIBE: Retain Handling 3"};
    }
    if (entry.no_local && is_shared(entry.filter)) {
      return Error{Errc::protocol_violation, "SUBSCRIBE: No Local on a shared subscription"};
    }
    size += 2 + entry.filter.size() + 1;
  }
  if (size > max_remaining_length) {
    return Error{Errc::packet_too_large, "SUBSCRIBE: remaining length exceeds 268435455"};
  }
  return size;
}

void write_body(const Subscribe& packet, Version version, Writer& out) {
  out.u16(packet.packet_id);
  if (version == Version::v5) {
    write_properties(packet.properties.items(), out);
  }
  for (const auto& entry : packet.subscriptions) {
    out.string(entry.filter);
    out.u8(options_byte(entry));
  }
}

Result<Subscribe> decode_subscribe(Reader& in) {
  const bool v5 = in.version() == Version::v5;
  Subscribe packet;
  auto id = in.packet_id();
  if (!id) {
    return id.error();
  }
  packet.packet_id = *id;
  if (v5) {
    auto properties = read_properties(in, PropertyScope::subscribe);
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
    auto options = in.u8(v5 ? "subscription options" : "requested QoS");
    if (!options) {
      return options.error();
    }
    if ((*options & (v5 ? option_reserved_v5 : option_reserved_v3_1_1)) != 0) {
      return in.fail(Errc::bad_flags, v5 ? "reserved bits set in subscription options"
                                         : "reserved bits set in requested QoS byte");
    }
    if ((*options & option_qos_mask) == 3) {
      return in.fail(Errc::invalid_qos, "requested QoS 3");
    }
    const std::uint8_t retain_handling =
        (*options & option_retain_handling_mask) >> option_retain_handling_shift;
    if (retain_handling == 3) {
      return in.fail(Errc::bad_flags, "Retain Handling 3");
    }
    Subscription entry{std::move(*filter), static_cast<Qos>(*options & option_qos_mask),
                       (*options & option_no_local) != 0,
                       (*options & option_retain_as_published) != 0,
                       static_cast<RetainHandling>(retain_handling)};
    if (entry.no_local && is_shared(entry.filter)) {
      return in.fail(Errc::protocol_violation, "No Local on a shared subscription");
    }
    packet.subscriptions.push_back(std::move(entry));
  }
  return packet;
}

}  // namespace iotgw::bridge::mqtt::packet
