#include "gateway/homeassistant_discovery.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "config/topic_template.hpp"
#include "gateway/version.hpp"

namespace iotgw::gateway {
namespace {

using Json = nlohmann::ordered_json;

bool settable(const config::Config& config, const config::Point& point) {
  return point.writable && config.commands.enabled;
}

bool is_bool(const config::Point& point) {
  return point.type == config::ValueType::boolean;
}

// The units Home Assistant's sensor device classes take, as points spell them.
constexpr std::array<std::pair<std::string_view, std::string_view>, 27> unit_classes{{
    {"°C", "temperature"},
    {"°F", "temperature"},
    {"K", "temperature"},
    {"Pa", "pressure"},
    {"hPa", "pressure"},
    {"kPa", "pressure"},
    {"bar", "pressure"},
    {"mbar", "pressure"},
    {"psi", "pressure"},
    {"V", "voltage"},
    {"mV", "voltage"},
    {"A", "current"},
    {"mA", "current"},
    {"W", "power"},
    {"kW", "power"},
    {"Wh", "energy"},
    {"kWh", "energy"},
    {"MWh", "energy"},
    {"Hz", "frequency"},
    {"m³", "volume"},
    {"L", "volume"},
    {"m³/h", "volume_flow_rate"},
    {"L/min", "volume_flow_rate"},
    {"lx", "illuminance"},
    {"ppm", "carbon_dioxide"},
    {"dB", "sound_pressure"},
    {"VA", "apparent_power"},
}};

std::string state_topic(const config::Config& config, const config::Device& device,
                        const config::Point& point) {
  const bool per_device = config.telemetry.payload == config::PayloadFormat::device_json;
  return config::expand_topic(config.telemetry.topic,
                              {.prefix = config.mqtt.topic_prefix,
                               .gateway = config.gateway.id,
                               .device = device.name,
                               .point = per_device ? std::string_view{} : point.name});
}

// Where the value sits in the payload, as a Jinja expression.
std::string value_expression(const config::Config& config, const config::Point& point) {
  switch (config.telemetry.payload) {
    case config::PayloadFormat::json:
      return "value_json.value";
    case config::PayloadFormat::device_json:
      return "value_json['values']['" + point.name + "'].value";
    case config::PayloadFormat::value:
      break;
  }
  return is_bool(point) ? "(value == 'true')" : "value";
}

// The command topic's base: commands.topic without its "/#".
std::string command_topic(const config::Config& config, const config::Device& device,
                          const config::Point& point) {
  const std::string& filter = config.commands.topic;
  return filter.substr(0, filter.size() - 2) + "/" + device.name + "/" + point.name + "/set";
}

// A number entity's range: the point's, else what its type and scaling allow.
std::pair<double, double> number_range(const config::Point& point) {
  double low = -1e9;
  double high = 1e9;
  switch (point.type) {
    case config::ValueType::int16:
      low = -32768;
      high = 32767;
      break;
    case config::ValueType::uint16:
      low = 0;
      high = 65535;
      break;
    case config::ValueType::int32:
      low = std::numeric_limits<std::int32_t>::min();
      high = std::numeric_limits<std::int32_t>::max();
      break;
    case config::ValueType::uint32:
      low = 0;
      high = std::numeric_limits<std::uint32_t>::max();
      break;
    default:
      break;
  }
  const double a = low * point.scale + point.offset;
  const double b = high * point.scale + point.offset;
  return {point.min.value_or(std::min(a, b)), point.max.value_or(std::max(a, b))};
}

bool integral(const config::Point& point) {
  switch (point.type) {
    case config::ValueType::int16:
    case config::ValueType::uint16:
    case config::ValueType::int32:
    case config::ValueType::uint32:
    case config::ValueType::int64:
    case config::ValueType::uint64:
      return true;
    default:
      return false;
  }
}

std::string unique_id(const config::Config& config, const config::Device& device,
                      const config::Point& point) {
  return "iotgw_" + config.gateway.id + "_" + device.name + "_" + point.name;
}

Json config_of(const config::Config& config, const config::Device& device,
               const config::Point& point) {
  const std::string_view component = discovery_component(config, point);
  const std::string value = value_expression(config, point);
  Json out;
  out["name"] = point.name;
  out["unique_id"] = unique_id(config, device, point);
  out["state_topic"] = state_topic(config, device, point);
  if (is_bool(point)) {
    out["value_template"] = "{{ 'ON' if " + value + " else 'OFF' }}";
  } else if (config.telemetry.payload != config::PayloadFormat::value) {
    out["value_template"] = "{{ " + value + " }}";
  }
  out["availability_topic"] = config.mqtt.will.topic;
  out["payload_available"] = "online";
  out["payload_not_available"] = config.mqtt.will.payload;
  if (component == "binary_sensor") {
    out["payload_on"] = "ON";
    out["payload_off"] = "OFF";
  } else if (component == "switch") {
    out["command_topic"] = command_topic(config, device, point);
    out["payload_on"] = "true";
    out["payload_off"] = "false";
    out["state_on"] = "ON";
    out["state_off"] = "OFF";
  } else {
    const bool numeric = point.type != config::ValueType::string;
    if (!point.unit.empty()) {
      out["unit_of_measurement"] = point.unit;
    }
    const std::string_view device_class = device_class_of_unit(point.unit);
    if (component == "number") {
      const auto [low, high] = number_range(point);
      out["command_topic"] = command_topic(config, device, point);
      out["min"] = low;
      out["max"] = high;
      // A register's resolution: one count times its scale; floats in thousandths.
      out["step"] = integral(point) ? std::fabs(point.scale) : 0.001;
      out["mode"] = "box";
      if (!device_class.empty()) {
        out["device_class"] = device_class;
      }
    } else if (numeric) {
      if (!device_class.empty()) {
        out["device_class"] = device_class;
      }
      out["state_class"] = device_class == "energy" ? "total_increasing" : "measurement";
    }
  }
  out["device"] = {{"identifiers", Json::array({"iotgw_" + config.gateway.id + "_" + device.name})},
                   {"name", device.name},
                   {"manufacturer", "iotgw"},
                   {"model", "gateway " + config.gateway.id}};
  out["origin"] = {{"name", "iotgw"}, {"sw_version", version}};
  return out;
}

}  // namespace

std::string_view discovery_component(const config::Config& config, const config::Point& point) {
  if (settable(config, point)) {
    return is_bool(point)                            ? "switch"
           : point.type == config::ValueType::string ? "sensor"
                                                     : "number";
  }
  return is_bool(point) ? "binary_sensor" : "sensor";
}

std::string discovery_topic(const config::Config& config, const config::Device& device,
                            const config::Point& point) {
  std::string topic(config.homeassistant.discovery_prefix);
  topic += '/';
  topic += discovery_component(config, point);
  topic += '/' + config.gateway.id + '/' + device.name + '_' + point.name + "/config";
  return topic;
}

std::string_view device_class_of_unit(std::string_view unit) {
  for (const auto& [known, device_class] : unit_classes) {
    if (known == unit) {
      return device_class;
    }
  }
  return {};
}

std::vector<DiscoveryMessage> discovery_messages(const config::Config& config) {
  std::vector<DiscoveryMessage> out;
  if (!config.homeassistant.enabled) {
    return out;
  }
  for (const config::Bus& bus : config.buses) {
    for (const config::Device& device : bus.devices) {
      for (const config::Point& point : device.points) {
        out.push_back(
            {discovery_topic(config, device, point), config_of(config, device, point).dump()});
      }
    }
  }
  return out;
}

std::vector<DiscoveryMessage> retired_discovery(const config::Config& before,
                                                const config::Config& after) {
  std::set<std::string> kept;
  for (const DiscoveryMessage& message : discovery_messages(after)) {
    kept.insert(message.topic);
  }
  std::vector<DiscoveryMessage> out;
  for (const DiscoveryMessage& message : discovery_messages(before)) {
    if (!kept.contains(message.topic)) {
      out.push_back({message.topic, {}});
    }
  }
  return out;
}

}  // namespace iotgw::gateway
