// Event: an application message from the broker, delivered once per QoS 2
// exchange and at least once for QoS 1.
#pragma once

#include "bridge/mqtt/packet/publish.hpp"

namespace iotgw::bridge::mqtt::event {

struct MessageReceived {
  packet::Publish message;

  friend bool operator==(const MessageReceived&, const MessageReceived&) = default;
};

}  // namespace iotgw::bridge::mqtt::event
