// PUBLISH (MQTT 3.1.1 section 3.3): an application message in either
// direction. Encoding is on the forwarder's hot path, so it works from a
// non-owning view straight into a caller-provided buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::mqtt {

// A PUBLISH whose topic and payload live elsewhere (the store's row, the
// caller's buffers); what the encoder reads.
struct publish_view {
  std::string_view topic;
  std::span<const std::uint8_t> payload;
  mqtt::qos qos = mqtt::qos::at_most_once;
  bool retain = false;
  bool dup = false;
  std::uint16_t packet_id = 0;  // only carried for QoS 1 and 2
};

// A PUBLISH that owns its topic and payload; what the decoder yields.
struct publish {
  std::string topic;
  std::vector<std::uint8_t> payload;
  mqtt::qos qos = mqtt::qos::at_most_once;
  bool retain = false;
  bool dup = false;
  std::uint16_t packet_id = 0;

  constexpr publish_view view() const noexcept {
    return {topic, payload, qos, retain, dup, packet_id};
  }

  friend bool operator==(const publish&, const publish&) = default;
};

constexpr packet_type type_of(const publish_view&) noexcept {
  return packet_type::publish;
}
constexpr packet_type type_of(const publish&) noexcept {
  return packet_type::publish;
}

// 3.3.1.1-3.3.1.3: DUP (bit 3), QoS (bits 2-1) and RETAIN (bit 0).
constexpr std::uint8_t fixed_flags(const publish_view& packet) noexcept {
  return static_cast<std::uint8_t>((packet.dup ? 0x08 : 0x00) |
                                   (static_cast<std::uint8_t>(packet.qos) << 1) |
                                   (packet.retain ? 0x01 : 0x00));
}
constexpr std::uint8_t fixed_flags(const publish& packet) noexcept {
  return fixed_flags(packet.view());
}

// 3.3.1, 3.3.2: the remaining length, after checking the topic name (4.7),
// the QoS, DUP only with QoS > 0 (3.3.1.1) and a non-zero id for QoS > 0.
result<std::size_t> body_size(const publish_view& packet);
inline result<std::size_t> body_size(const publish& packet) {
  return body_size(packet.view());
}

// 3.3.2, 3.3.3: writes topic name, packet id (QoS > 0) and payload.
void write_body(const publish_view& packet, writer& out);
inline void write_body(const publish& packet, writer& out) {
  write_body(packet.view(), out);
}

// 3.3.1-3.3.3: reads a PUBLISH body given the fixed-header flags, which must
// not carry QoS 3 or DUP with QoS 0.
result<publish> decode_publish(std::uint8_t flags, reader& in);

// 3.3.1.1: sets or clears DUP in an already-encoded QoS 1 or 2 PUBLISH in
// place, for a resend. Returns false (and changes nothing) if `encoded` does
// not start with a PUBLISH of QoS 1 or 2.
bool set_dup(std::span<std::uint8_t> encoded, bool dup) noexcept;

}  // namespace iotgw::mqtt
