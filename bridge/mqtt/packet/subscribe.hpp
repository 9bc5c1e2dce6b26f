// SUBSCRIBE (3.1.1 section 3.8, 5.0 section 3.8): the client asks for topic
// filters, each with its subscription options.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bridge/mqtt/packet/properties.hpp"
#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::bridge::mqtt::packet {

// 5.0 3.8.3.1: when the server sends retained messages for a new
// subscription.
enum class RetainHandling : std::uint8_t {
  send_at_subscribe = 0,
  send_if_new = 1,
  do_not_send = 2,
};

struct Subscription {
  std::string filter;
  mqtt::packet::Qos qos = mqtt::packet::Qos::at_most_once;  // the maximum QoS asked for
  // MQTT 5 subscription options (5.0 3.8.3.1); 3.1.1 has only the QoS.
  bool no_local = false;  // not our own messages back
  bool retain_as_published = false;
  RetainHandling retain_handling = RetainHandling::send_at_subscribe;

  friend bool operator==(const Subscription&, const Subscription&) = default;
};

struct Subscribe {
  std::uint16_t packet_id = 0;
  std::vector<Subscription> subscriptions;  // at least one
  Properties properties{};                  // MQTT 5: Subscription Identifier, User Property

  friend bool operator==(const Subscribe&, const Subscribe&) = default;
};

constexpr PacketType type_of(const Subscribe&) noexcept {
  return PacketType::subscribe;
}

// 3.8.1: the fixed-header flags (0010).
constexpr std::uint8_t fixed_flags(const Subscribe&) noexcept {
  return 0x02;
}

// 3.8.2, 3.8.3: the remaining length, after checking the packet id, that
// there is at least one subscription, each filter (4.7) and each QoS; in
// 3.1.1 that no MQTT 5 option is set, in MQTT 5 the properties and no No
// Local on a shared subscription (5.0 3.8.3.1).
Result<std::size_t> body_size(const Subscribe& packet, Version version);

// 3.8.2, 3.8.3: writes the packet id, the properties (MQTT 5), then filter
// and options pairs.
void write_body(const Subscribe& packet, Version version, Writer& out);

// 3.8.2, 3.8.3: reads the packet id, the properties (MQTT 5) and one or more
// filter/options pairs; reserved option bits must be 0 (3.8.3.1, 5.0 3.8.3.1)
// and Retain Handling is not 3.
Result<Subscribe> decode_subscribe(Reader& in);

}  // namespace iotgw::bridge::mqtt::packet
