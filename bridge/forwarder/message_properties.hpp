// The MQTT 5 properties a message goes out with: how long a queued reading
// stays worth delivering (Message Expiry Interval, what is left of
// telemetry.expiry after its time in the store), and what its payload is
// (Payload Format Indicator and Content Type for JSON), and whether it is part
// of a backlog (User Property backfill=true). In 3.1.1 the session leaves them
// off; the expiry still decides which rows are dropped.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "bridge/mqtt/packet/properties.hpp"

namespace iotgw::bridge::forwarder {

struct MessageSettings {
  std::chrono::seconds expiry{0};  // telemetry.expiry; zero: never expires
  bool json = false;               // the payloads are JSON text
};

// What is left of `expiry` for a message queued at `enqueued`, in whole
// seconds rounded up (a reading aged 40.2 s of 60 goes out with 20); nullopt
// once nothing is left. A clock set back since makes the message no older
// than new.
std::optional<std::uint32_t> remaining_expiry(std::chrono::seconds expiry,
                                              std::chrono::system_clock::time_point enqueued,
                                              std::chrono::system_clock::time_point now);

// Payload Format Indicator 1 (UTF-8) and Content Type "application/json".
void add_json_properties(std::vector<mqtt::packet::Property>& out);

// The properties telemetry messages go out with, built once: per message
// only the expiry left changes, and the backfill mark is left off a live
// message, so the per-reading path allocates nothing here.
class TelemetryProperties {
 public:
  explicit TelemetryProperties(MessageSettings settings);

  // Those of a message queued at `enqueued` and sent at `now`, valid until the
  // next call; nullopt when it expired.
  std::optional<std::span<const mqtt::packet::Property>> at(
      std::chrono::system_clock::time_point enqueued, std::chrono::system_clock::time_point now,
      bool backfill);

 private:
  std::chrono::seconds expiry_;
  // With an expiry, its property first; the backfill mark last.
  std::vector<mqtt::packet::Property> properties_;
};

}  // namespace iotgw::bridge::forwarder
