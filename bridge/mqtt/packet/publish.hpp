// PUBLISH (3.1.1 section 3.3, 5.0 section 3.3): an application message in
// either direction. Encoding is on the forwarder's hot path, so it works from
// a non-owning view straight into a caller-provided buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/mqtt/packet/properties.hpp"
#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::bridge::mqtt::packet {

// A PUBLISH whose topic and payload live elsewhere (the store's row, the
// caller's buffers); what the encoder reads.
struct PublishView {
  std::string_view topic;
  std::span<const std::uint8_t> payload;
  mqtt::packet::Qos qos = mqtt::packet::Qos::at_most_once;
  bool retain = false;
  bool dup = false;
  std::uint16_t packet_id = 0;  // only carried for QoS 1 and 2
  // MQTT 5: Message Expiry Interval, Topic Alias, Content Type, ... An empty
  // topic is valid only with a Topic Alias (5.0 3.3.2.1).
  std::span<const Property> properties{};
};

// A PUBLISH that owns its topic and payload; what the decoder yields.
struct Publish {
  std::string topic;
  std::vector<std::uint8_t> payload;
  mqtt::packet::Qos qos = mqtt::packet::Qos::at_most_once;
  bool retain = false;
  bool dup = false;
  std::uint16_t packet_id = 0;
  Properties properties{};

  PublishView view() const noexcept {
    return {topic, payload, qos, retain, dup, packet_id, properties.items()};
  }

  friend bool operator==(const Publish&, const Publish&) = default;
};

constexpr PacketType type_of(const PublishView&) noexcept {
  return PacketType::publish;
}
constexpr PacketType type_of(const Publish&) noexcept {
  return PacketType::publish;
}

// 3.3.1.1-3.3.1.3: DUP (bit 3), QoS (bits 2-1) and RETAIN (bit 0).
constexpr std::uint8_t fixed_flags(const PublishView& packet) noexcept {
  return static_cast<std::uint8_t>((packet.dup ? 0x08 : 0x00) |
                                   (static_cast<std::uint8_t>(packet.qos) << 1) |
                                   (packet.retain ? 0x01 : 0x00));
}
inline std::uint8_t fixed_flags(const Publish& packet) noexcept {
  return fixed_flags(packet.view());
}

// 3.3.1, 3.3.2: the remaining length, after checking the topic name (4.7),
// the QoS, DUP only with QoS > 0 (3.3.1.1), a non-zero id for QoS > 0 and,
// in MQTT 5, the properties.
Result<std::size_t> body_size(const PublishView& packet, Version version);
inline Result<std::size_t> body_size(const Publish& packet, Version version) {
  return body_size(packet.view(), version);
}

// 3.3.2, 3.3.3: writes topic name, packet id (QoS > 0), the properties
// (MQTT 5) and the payload.
void write_body(const PublishView& packet, Version version, Writer& out);
inline void write_body(const Publish& packet, Version version, Writer& out) {
  write_body(packet.view(), version, out);
}

// 3.3.1-3.3.3: reads a PUBLISH body given the fixed-header flags, which must
// not carry QoS 3 or DUP with QoS 0.
Result<Publish> decode_publish(std::uint8_t flags, Reader& in);

// 3.3.1.1: sets or clears DUP in an already-encoded QoS 1 or 2 PUBLISH in
// place, for a resend. Returns false (and changes nothing) if `encoded` does
// not start with a PUBLISH of QoS 1 or 2.
bool set_dup(std::span<std::uint8_t> encoded, bool dup) noexcept;

}  // namespace iotgw::bridge::mqtt::packet
