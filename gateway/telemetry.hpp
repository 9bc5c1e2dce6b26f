// Readings to telemetry messages: the topic of each point (expanded once, at
// start) and the payload in the configured format.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>

#include "config/config.hpp"
#include "drivers/reading.hpp"

namespace iotgw {

struct TelemetryMessage {
  const std::string* topic = nullptr;  // owned by the Telemetry that made it
  std::string payload;
};

class Telemetry {
 public:
  explicit Telemetry(const config::Config& config);

  // The message for a reading, or nothing when the format has no way to say it
  // (the "value" format publishes good readings only).
  std::optional<TelemetryMessage> message(const drivers::Reading& reading) const;

  const std::string& topic_of(const config::Point& point) const;

 private:
  config::PayloadFormat format_;
  std::unordered_map<const config::Point*, std::string> topics_;
};

}  // namespace iotgw
