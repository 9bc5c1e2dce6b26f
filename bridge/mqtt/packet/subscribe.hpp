// SUBSCRIBE (MQTT 3.1.1 section 3.8): the client asks for topic filters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::mqtt {

struct subscription {
  std::string filter;
  mqtt::qos qos = mqtt::qos::at_most_once;  // the maximum QoS asked for

  friend bool operator==(const subscription&, const subscription&) = default;
};

struct subscribe {
  std::uint16_t packet_id = 0;
  std::vector<subscription> subscriptions;  // at least one

  friend bool operator==(const subscribe&, const subscribe&) = default;
};

constexpr packet_type type_of(const subscribe&) noexcept {
  return packet_type::subscribe;
}

// 3.8.1: the fixed-header flags (0010).
constexpr std::uint8_t fixed_flags(const subscribe&) noexcept {
  return 0x02;
}

// 3.8.2, 3.8.3: the remaining length, after checking the packet id, that
// there is at least one subscription, each filter (4.7) and each QoS.
result<std::size_t> body_size(const subscribe& packet);

// 3.8.2, 3.8.3: writes the packet id, then filter and requested QoS pairs.
void write_body(const subscribe& packet, writer& out);

// 3.8.2, 3.8.3: reads the packet id and one or more filter/QoS pairs; the
// requested QoS byte's six upper bits are reserved (3.8.3.1).
result<subscribe> decode_subscribe(reader& in);

}  // namespace iotgw::mqtt
