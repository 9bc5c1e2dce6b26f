// Readings to telemetry messages: the topic of each point, or of each device
// with payload = "device_json" (expanded once, at start), and the payload in
// the configured format.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bridge/store/message.hpp"
#include "config/config.hpp"
#include "drivers/reading.hpp"

namespace iotgw::gateway {

struct TelemetryMessage {
  std::string_view topic;  // owned by the Telemetry that made it
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

  std::string_view topic_of(const drivers::Reading& reading) const;

 private:
  // A device's topic and its points' topics, end to end in one string: a
  // point's topic costs its characters and one offset, not a map node and a
  // string of its own (10,000 points are 10,000 topics).
  struct DeviceTopics {
    std::string text;                 // the device's topic, then each point's
    std::vector<std::uint32_t> ends;  // where the device's topic, then each point's, ends
    std::string_view topic(std::size_t index) const;  // 0: the device, 1 + i: point i
  };

  config::PayloadFormat format_;
  std::unordered_map<const config::Device*, DeviceTopics> topics_;
};

// Whether payloads of `format` carry the reading's time ("ts"), so that a
// reading taken on an unsynchronised clock is worth holding for a true one.
bool carries_time(config::PayloadFormat format);

// Gives a held telemetry message of `format` its final form: "ts" and the
// enqueue time set to `corrected`, or, without a corrected time, its own
// stamp kept and "clock":"unsynced" added. Safe on any thread.
void restamp(config::PayloadFormat format, bridge::store::Message& message,
             std::optional<std::chrono::system_clock::time_point> corrected);

}  // namespace iotgw::gateway
