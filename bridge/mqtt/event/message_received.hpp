// Event: an application message from the broker, delivered once per QoS 2
// exchange and at least once for QoS 1.
#pragma once

#include "bridge/mqtt/packet/publish.hpp"

namespace iotgw::mqtt {

struct message_received {
  publish message;

  friend bool operator==(const message_received&, const message_received&) = default;
};

}  // namespace iotgw::mqtt
