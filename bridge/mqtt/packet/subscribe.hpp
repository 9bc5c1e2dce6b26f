// SUBSCRIBE (MQTT 3.1.1 section 3.8): the client asks for topic filters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::bridge::mqtt::packet {

struct Subscription {
  std::string filter;
  mqtt::packet::Qos qos = mqtt::packet::Qos::at_most_once;  // the maximum QoS asked for

  friend bool operator==(const Subscription&, const Subscription&) = default;
};

struct Subscribe {
  std::uint16_t packet_id = 0;
  std::vector<Subscription> subscriptions;  // at least one

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
// there is at least one subscription, each filter (4.7) and each QoS.
Result<std::size_t> body_size(const Subscribe& packet);

// 3.8.2, 3.8.3: writes the packet id, then filter and requested QoS pairs.
void write_body(const Subscribe& packet, Writer& out);

// 3.8.2, 3.8.3: reads the packet id and one or more filter/QoS pairs; the
// requested QoS byte's six upper bits are reserved (3.8.3.1).
Result<Subscribe> decode_subscribe(Reader& in);

}  // namespace iotgw::bridge::mqtt::packet
