// Readings to telemetry messages: the topic of each point, or of each device
// with payload = "device_json" (expanded once, at start), and the payload in
// the configured format.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <unordered_map>

#include "config/config.hpp"
#include "drivers/reading.hpp"

namespace iotgw::gateway {

struct TelemetryMessage {
  const std::string* topic = nullptr;  // owned by the Telemetry that made it
  std::string payload;
};

class Telemetry {
 public:
  explicit Telemetry(const config::Config& config);

  // Whether readings are published one object per device poll (device_message)
  // rather than one message per reading (message).
  bool per_device() const { return format_ == config::PayloadFormat::device_json; }

  // The message for a reading, or nothing when the format has no way to say it
  // (the "value" format publishes good readings only). A reading taken while
  // the uplink was down is marked "backfill":true in the JSON formats.
  std::optional<TelemetryMessage> message(const drivers::Reading& reading, bool backfill) const;

  // The device_json message for readings of one poll of one device:
  // {"ts":…,"values":{"<point>":{"value":…,"unit":…,"quality":…},…}}, with the
  // time of the poll's first reading; nothing when there are no readings.
  std::optional<TelemetryMessage> device_message(std::span<const drivers::Reading> readings,
                                                 bool backfill) const;

  const std::string& topic_of(const config::Point& point) const;

 private:
  config::PayloadFormat format_;
  std::unordered_map<const config::Point*, std::string> topics_;
  std::unordered_map<const config::Device*, std::string> device_topics_;
};

}  // namespace iotgw::gateway
