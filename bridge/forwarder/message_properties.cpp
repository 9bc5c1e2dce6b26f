#include "bridge/forwarder/message_properties.hpp"

#include <algorithm>

namespace iotgw::bridge::forwarder {

std::optional<std::uint32_t> remaining_expiry(std::chrono::seconds expiry,
                                              std::chrono::system_clock::time_point enqueued,
                                              std::chrono::system_clock::time_point now) {
  const auto age = std::max(now - enqueued, std::chrono::system_clock::duration::zero());
  if (age >= expiry) {
    return std::nullopt;
  }
  // Never more than telemetry.expiry, which the config keeps to 32 bits.
  return static_cast<std::uint32_t>(std::chrono::ceil<std::chrono::seconds>(expiry - age).count());
}

void add_json_properties(std::vector<mqtt::packet::Property>& out) {
  out.push_back({mqtt::packet::PropertyId::payload_format_indicator, std::uint32_t{1}});
  out.push_back({mqtt::packet::PropertyId::content_type, std::string("application/json")});
}

TelemetryProperties::TelemetryProperties(MessageSettings settings) : expiry_(settings.expiry) {
  if (expiry_ > std::chrono::seconds::zero()) {
    properties_.push_back({mqtt::packet::PropertyId::message_expiry_interval, std::uint32_t{0}});
  }
  if (settings.json) {
    add_json_properties(properties_);
  }
  properties_.push_back(
      {mqtt::packet::PropertyId::user_property, mqtt::packet::UserProperty{"backfill", "true"}});
}

std::optional<std::span<const mqtt::packet::Property>> TelemetryProperties::at(
    std::chrono::system_clock::time_point enqueued, std::chrono::system_clock::time_point now,
    bool backfill) {
  if (expiry_ > std::chrono::seconds::zero()) {
    const auto left = remaining_expiry(expiry_, enqueued, now);
    if (!left) {
      return std::nullopt;
    }
    properties_.front().value = *left;
  }
  const std::span<const mqtt::packet::Property> all(properties_);
  return backfill ? all : all.first(all.size() - 1);
}

}  // namespace iotgw::bridge::forwarder
