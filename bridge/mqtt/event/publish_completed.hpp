// Event: the exchange of a PUBLISH ended (PUBACK for QoS 1, PUBCOMP for
// QoS 2; at once for QoS 0). With a success reason the message may leave the
// store; with a failure (MQTT 5: a PUBACK or PUBREC reason code of 0x80 or
// more, or a message larger than the broker accepts) the broker will never
// take it as it is.
#pragma once

#include <cstdint>
#include <string>

#include "bridge/mqtt/packet/reason_code.hpp"

namespace iotgw::bridge::mqtt::event {

struct PublishCompleted {
  std::uint64_t tag;  // what the caller passed to session::publish
  // A QoS 2 message the broker answered with PUBACK instead of PUBREC (it
  // took the message at QoS 1, as RabbitMQ's MQTT plugin does), or a message
  // sent at the lower Maximum QoS of an MQTT 5 broker: delivered at least
  // once, or at most once, not exactly once.
  bool downgraded = false;
  packet::ReasonCode reason = packet::ReasonCode::success;
  std::string detail{};  // the broker's Reason String, or why the session gave up

  friend bool operator==(const PublishCompleted&, const PublishCompleted&) = default;
};

}  // namespace iotgw::bridge::mqtt::event
