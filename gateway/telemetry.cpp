#include "gateway/telemetry.hpp"

#include "config/topic_template.hpp"
#include "gateway/json_text.hpp"

namespace iotgw::gateway {
namespace {

// A float32 register holds about 7 significant digits; printing its double
// widening would invent more. Scale and offset keep the register's precision.
bool single_precision(const config::Point& point) {
  return point.type == config::ValueType::float32;
}

// Appends "value":…[,"unit":…],"quality":… for a reading, the fields that the
// json and device_json formats share.
void append_reading_fields(std::string& out, const drivers::Reading& reading) {
  const bool good = reading.quality.is_good() && reading.value && is_publishable(*reading.value);
  out += "\"value\":";
  if (good) {
    append_json_value(out, *reading.value, single_precision(*reading.point));
  } else {
    out += "null";
  }
  if (!reading.point->unit.empty()) {
    out += ",\"unit\":";
    append_json_string(out, reading.point->unit);
  }
  out += ",\"quality\":";
  // A value that JSON cannot carry (NaN, infinity) is reported as a bad value.
  const bool unpublishable = reading.quality.is_good() && !good;
  append_json_string(out, unpublishable ? "bad_value" : drivers::to_string(reading.quality));
}

// Absent on live readings, so that their payloads stay as they always were.
void append_backfill(std::string& out, bool backfill) {
  if (backfill) {
    out += ",\"backfill\":true";
  }
}

// Both JSON formats begin so, and the timestamp's length is fixed.
constexpr std::string_view ts_opening = "{\"ts\":\"";
constexpr std::size_t ts_length = 24;  // 2026-11-25T19:00:00.123Z

}  // namespace

Telemetry::Telemetry(const config::Config& config) : format_(config.telemetry.payload) {
  for (const config::Bus& bus : config.buses) {
    for (const config::Device& device : bus.devices) {
      const config::TopicFields device_fields{
          .prefix = config.mqtt.topic_prefix, .gateway = config.gateway.id, .device = device.name};
      DeviceTopics& topics = topics_[&device];
      topics.ends.reserve(1 + device.points.size());
      const auto add = [&topics](const std::string& topic) {
        topics.text += topic;
        topics.ends.push_back(static_cast<std::uint32_t>(topics.text.size()));
      };
      add(config::expand_topic(config.telemetry.topic, device_fields));
      for (const config::Point& point : device.points) {
        config::TopicFields fields = device_fields;
        fields.point = point.name;
        add(config::expand_topic(config.telemetry.topic, fields));
      }
      topics.text.shrink_to_fit();
    }
  }
}

std::string_view Telemetry::DeviceTopics::topic(std::size_t index) const {
  const std::uint32_t begin = index == 0 ? 0 : ends[index - 1];
  return std::string_view(text).substr(begin, ends[index] - begin);
}

std::string_view Telemetry::topic_of(const drivers::Reading& reading) const {
  const auto point = static_cast<std::size_t>(reading.point - reading.device->points.data());
  return topics_.at(reading.device).topic(1 + point);
}

std::optional<TelemetryMessage> Telemetry::message(const drivers::Reading& reading,
                                                   bool backfill) const {
  TelemetryMessage message{.topic = topic_of(reading), .payload = {}};
  if (format_ == config::PayloadFormat::value) {
    const bool good = reading.quality.is_good() && reading.value && is_publishable(*reading.value);
    if (!good) {
      return std::nullopt;
    }
    if (const auto* text = std::get_if<std::string>(&*reading.value)) {
      append_valid_utf8(message.payload, *text);
    } else {
      append_json_value(message.payload, *reading.value, single_precision(*reading.point));
    }
    return message;
  }
  std::string& out = message.payload;
  out.reserve(96 + reading.point->unit.size());
  out += "{\"ts\":\"";
  append_timestamp(out, reading.wall_time);
  out += "\",";
  append_reading_fields(out, reading);
  append_backfill(out, backfill);
  out += '}';
  return message;
}

std::optional<TelemetryMessage> Telemetry::device_message(
    std::span<const drivers::Reading> readings, bool backfill) const {
  if (readings.empty()) {
    return std::nullopt;
  }
  TelemetryMessage message{.topic = topics_.at(readings.front().device).topic(0), .payload = {}};
  std::string& out = message.payload;
  out.reserve(32 + 80 * readings.size());
  out += "{\"ts\":\"";
  append_timestamp(out, readings.front().wall_time);
  out += "\",\"values\":{";
  for (const drivers::Reading& reading : readings) {
    if (&reading != &readings.front()) {
      out += ',';
    }
    append_json_string(out, reading.point->name);
    out += ":{";
    append_reading_fields(out, reading);
    out += '}';
  }
  out += '}';
  append_backfill(out, backfill);
  out += '}';
  return message;
}

bool carries_time(config::PayloadFormat format) {
  return format != config::PayloadFormat::value;
}

void restamp(config::PayloadFormat format, bridge::store::Message& message,
             std::optional<std::chrono::system_clock::time_point> corrected) {
  if (!carries_time(format)) {
    return;
  }
  std::vector<std::uint8_t>& payload = message.payload;
  const std::string_view text(reinterpret_cast<const char*>(payload.data()), payload.size());
  if (!text.starts_with(ts_opening) || text.size() < ts_opening.size() + ts_length + 1 ||
      text.back() != '}') {
    return;  // not one of ours: sent as it is
  }
  if (corrected) {
    std::string stamp;
    append_timestamp(stamp, *corrected);
    if (stamp.size() != ts_length) {
      return;  // a year of other than four digits: held no more, but not rewritten
    }
    std::copy(stamp.begin(), stamp.end(), payload.begin() + ts_opening.size());
    message.enqueued = *corrected;
    return;
  }
  constexpr std::string_view mark = ",\"clock\":\"unsynced\"";
  payload.insert(payload.end() - 1, mark.begin(), mark.end());
}

}  // namespace iotgw::gateway
