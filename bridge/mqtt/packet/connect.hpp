// CONNECT (3.1.1 section 3.1, 5.0 section 3.1): the first packet a client
// sends. Its protocol level names the version the whole connection speaks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bridge/mqtt/packet/properties.hpp"
#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::bridge::mqtt::packet {

// 3.1.2.5-3.1.2.7, 3.1.3.2, 3.1.3.3: the message the server publishes if the
// client goes away without DISCONNECT.
struct Will {
  std::string topic;
  std::vector<std::uint8_t> payload;
  mqtt::packet::Qos qos = mqtt::packet::Qos::at_most_once;
  bool retain = false;
  // MQTT 5 (5.0 3.1.3.2): Will Delay Interval, Message Expiry Interval,
  // Payload Format Indicator, Content Type, Response Topic, Correlation
  // Data, User Property.
  Properties properties{};

  friend bool operator==(const Will&, const Will&) = default;
};

struct Connect {
  std::string client_id;
  bool clean_session = true;
  std::uint16_t keep_alive = 0;  // seconds; 0 turns keepalive off (3.1.2.10)
  std::optional<mqtt::packet::Will> will;
  std::optional<std::string> username;
  // 3.1.1 allows a password only with a user name (3.1.2.9); MQTT 5 alone.
  std::optional<std::vector<std::uint8_t>> password;
  // MQTT 5 (5.0 3.1.2.11): Session Expiry Interval, Receive Maximum, Maximum
  // Packet Size, Topic Alias Maximum, ...
  Properties properties{};

  friend bool operator==(const Connect&, const Connect&) = default;
};

constexpr PacketType type_of(const Connect&) noexcept {
  return PacketType::connect;
}

// 3.1.1: the fixed-header flags (0000).
constexpr std::uint8_t fixed_flags(const Connect&) noexcept {
  return 0x00;
}

// 3.1.2, 3.1.3: the remaining length, after checking UTF-8 and length of
// every string, the will topic (4.7) and QoS, no password without a user
// name in 3.1.1 (3.1.2.9), and in MQTT 5 both property sets.
Result<std::size_t> body_size(const Connect& packet, Version version);

// 3.1.2, 3.1.3: writes protocol name "MQTT", the level of `version`, the
// connect flags, the keepalive, the properties (MQTT 5) and the payload
// fields in the order of 3.1.3.
void write_body(const Connect& packet, Version version, Writer& out);

// 3.1.2, 3.1.3: reads a CONNECT whose protocol level is the reader's
// version; rejects the reserved flag (3.1.2.3), will QoS/retain without a
// will flag (3.1.2.6, 3.1.2.7), will QoS 3, in 3.1.1 a password flag without
// a user name flag (3.1.2.9), and in MQTT 5 invalid properties.
Result<Connect> decode_connect(Reader& in);

}  // namespace iotgw::bridge::mqtt::packet
