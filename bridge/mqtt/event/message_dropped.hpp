// Event: an application message from the broker that was acknowledged as the
// protocol requires but not delivered (today: one larger than the maximum
// packet size, skipped without being buffered). Reported once per QoS 2
// exchange, as a delivery would be.
#pragma once

#include <cstddef>
#include <string>

#include "bridge/mqtt/packet/types.hpp"

namespace iotgw::bridge::mqtt::event {

struct MessageDropped {
  std::string topic;     // empty when it was too long to keep
  std::size_t size = 0;  // the whole PUBLISH, fixed header included
  mqtt::packet::Qos qos = mqtt::packet::Qos::at_most_once;
  bool retain = false;
  std::string reason;  // "larger than max_packet_size 262144"

  friend bool operator==(const MessageDropped&, const MessageDropped&) = default;
};

}  // namespace iotgw::bridge::mqtt::event
