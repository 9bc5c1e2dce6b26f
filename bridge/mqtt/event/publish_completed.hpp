// Event: the broker acknowledged a PUBLISH (PUBACK for QoS 1, PUBCOMP for
// QoS 2; at once for QoS 0), so the message may leave the store.
#pragma once

#include <cstdint>

namespace iotgw::bridge::mqtt::event {

struct PublishCompleted {
  std::uint64_t tag;  // what the caller passed to session::publish
  // A QoS 2 message the broker answered with PUBACK instead of PUBREC: it took
  // the message at QoS 1 (RabbitMQ's MQTT plugin does), so it is delivered at
  // least once, not exactly once.
  bool downgraded = false;

  friend bool operator==(const PublishCompleted&, const PublishCompleted&) = default;
};

}  // namespace iotgw::bridge::mqtt::event
