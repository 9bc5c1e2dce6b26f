// The MQTT 5 properties a message goes out with: how long a queued reading
// stays worth delivering (Message Expiry Interval, what is left of
// telemetry.expiry after its time in the store), and what its payload is
// (Payload Format Indicator and Content Type for JSON). In 3.1.1 the session
// leaves them off; the expiry still decides which rows are dropped.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
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

// The properties a telemetry message queued at `enqueued` goes out with at
// `now`; nullopt when it expired.
std::optional<std::vector<mqtt::packet::Property>> telemetry_properties(
    const MessageSettings& settings, std::chrono::system_clock::time_point enqueued,
    std::chrono::system_clock::time_point now);

}  // namespace iotgw::bridge::forwarder
