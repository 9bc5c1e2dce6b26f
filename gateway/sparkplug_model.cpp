#include "gateway/sparkplug_model.hpp"

namespace iotgw::gateway {
namespace {

namespace sp = bridge::sparkplug;

constexpr std::string_view sparkplug_namespace = "spBv1.0";

bool scaled(const config::Point& point) {
  return point.scale != 1.0 || point.offset != 0.0;
}

// The driver's value as the metric's data type carries it.
sp::Value to_metric_value(const drivers::Value& value, sp::DataType type) {
  return std::visit(
      [type](const auto& v) -> sp::Value {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool>) {
          return v;
        } else if (type == sp::DataType::float32) {
          return static_cast<float>(v);
        } else if (type == sp::DataType::float64) {
          return static_cast<double>(v);
        } else {
          return v;
        }
      },
      value);
}

}  // namespace

std::string_view name_of(SparkplugMessage type) {
  switch (type) {
    case SparkplugMessage::nbirth:
      return "NBIRTH";
    case SparkplugMessage::ndeath:
      return "NDEATH";
    case SparkplugMessage::dbirth:
      return "DBIRTH";
    case SparkplugMessage::ddata:
      return "DDATA";
    case SparkplugMessage::ddeath:
      return "DDEATH";
    case SparkplugMessage::ncmd:
      return "NCMD";
    case SparkplugMessage::dcmd:
      return "DCMD";
  }
  return "";
}

sp::DataType data_type_of(const config::Point& point) {
  using config::ValueType;
  if (point.type == ValueType::boolean) {
    return sp::DataType::boolean;
  }
  if (point.type == ValueType::string) {
    return sp::DataType::string;
  }
  if (scaled(point) || point.type == ValueType::float64) {
    return sp::DataType::float64;
  }
  switch (point.type) {
    case ValueType::int16:
      return sp::DataType::int16;
    case ValueType::uint16:
      return sp::DataType::uint16;
    case ValueType::int32:
      return sp::DataType::int32;
    case ValueType::uint32:
      return sp::DataType::uint32;
    case ValueType::int64:
      return sp::DataType::int64;
    case ValueType::uint64:
      return sp::DataType::uint64;
    case ValueType::float32:
      return sp::DataType::float32;
    default:
      return sp::DataType::float64;
  }
}

std::uint64_t sparkplug_time(std::chrono::system_clock::time_point time) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count());
}

SparkplugModel::SparkplugModel(const config::Config& config, std::string group_id,
                               std::string edge_node_id)
    : config_(config), group_id_(std::move(group_id)), edge_node_id_(std::move(edge_node_id)) {
  std::uint64_t next_alias = 1;
  for (const config::Bus& bus : config_.buses) {
    for (const config::Device& device : bus.devices) {
      DeviceMetrics& metrics = devices_[&device];
      metrics.first_alias = next_alias;
      metrics.last.resize(device.points.size());
      next_alias += device.points.size();
    }
  }
}

std::string SparkplugModel::topic(SparkplugMessage type) const {
  std::string topic(sparkplug_namespace);
  topic += '/';
  topic += group_id_;
  topic += '/';
  topic += name_of(type);
  topic += '/';
  topic += edge_node_id_;
  return topic;
}

std::string SparkplugModel::topic(SparkplugMessage type, const config::Device& device) const {
  return topic(type) + '/' + device.name;
}

std::uint64_t SparkplugModel::alias_of(const config::Device& device, std::size_t point) const {
  return devices_.at(&device).first_alias + point;
}

sp::Payload SparkplugModel::node_death(std::uint64_t bd_seq) const {
  return {.timestamp = std::nullopt,
          .seq = std::nullopt,
          .metrics = {{.name = "bdSeq",
                       .alias = std::nullopt,
                       .timestamp = std::nullopt,
                       .type = sp::DataType::int64,
                       .send_type = true,
                       .is_historical = false,
                       .value = static_cast<std::int64_t>(bd_seq),
                       .eng_unit = {}}}};
}

sp::Payload SparkplugModel::node_birth(std::uint64_t bd_seq, std::uint64_t now_ms) const {
  sp::Payload payload = node_death(bd_seq);
  payload.timestamp = now_ms;
  payload.metrics[0].timestamp = now_ms;
  payload.metrics.push_back({.name = "Node Control/Rebirth",
                             .alias = std::nullopt,
                             .timestamp = now_ms,
                             .type = sp::DataType::boolean,
                             .send_type = true,
                             .is_historical = false,
                             .value = false,
                             .eng_unit = {}});
  return payload;
}

sp::Metric SparkplugModel::metric_of(const config::Device& device, std::size_t point,
                                     sp::Value value) const {
  return {.name = {},
          .alias = alias_of(device, point),
          .timestamp = std::nullopt,
          .type = data_type_of(device.points[point]),
          .send_type = false,
          .is_historical = false,
          .value = std::move(value),
          .eng_unit = {}};
}

sp::Payload SparkplugModel::device_birth(const config::Device& device, std::uint64_t now_ms) const {
  const DeviceMetrics& metrics = devices_.at(&device);
  sp::Payload payload{.timestamp = now_ms, .seq = std::nullopt, .metrics = {}};
  payload.metrics.reserve(device.points.size());
  for (std::size_t p = 0; p < device.points.size(); ++p) {
    sp::Metric& metric = payload.metrics.emplace_back(metric_of(device, p, metrics.last[p]));
    metric.name = device.points[p].name;
    metric.timestamp = now_ms;
    metric.send_type = true;
    metric.eng_unit = device.points[p].unit;
  }
  return payload;
}

sp::Payload SparkplugModel::device_data(std::span<const drivers::Reading> readings,
                                        bool historical) const {
  sp::Payload payload{.timestamp = std::nullopt, .seq = std::nullopt, .metrics = {}};
  if (readings.empty()) {
    return payload;
  }
  payload.timestamp = sparkplug_time(readings.front().wall_time);
  payload.metrics.reserve(readings.size());
  for (const drivers::Reading& reading : readings) {
    const auto point = static_cast<std::size_t>(reading.point - reading.device->points.data());
    const bool good = reading.quality.is_good() && reading.value.has_value();
    sp::Metric& metric = payload.metrics.emplace_back(metric_of(
        *reading.device, point,
        good ? to_metric_value(*reading.value, data_type_of(*reading.point)) : sp::Value{}));
    metric.timestamp = sparkplug_time(reading.wall_time);
    metric.is_historical = historical;
  }
  return payload;
}

sp::Payload SparkplugModel::device_death(std::uint64_t now_ms) const {
  return {.timestamp = now_ms, .seq = std::nullopt, .metrics = {}};
}

void SparkplugModel::remember(const drivers::Reading& reading) {
  if (!reading.quality.is_good() || !reading.value) {
    return;
  }
  const auto point = static_cast<std::size_t>(reading.point - reading.device->points.data());
  devices_.at(reading.device).last[point] =
      to_metric_value(*reading.value, data_type_of(*reading.point));
}

}  // namespace iotgw::gateway
