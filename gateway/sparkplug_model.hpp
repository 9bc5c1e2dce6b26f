// Sparkplug B for the configured buses (Sparkplug 3.0): the topic namespace,
// each point as a metric (its name, an alias unique in the edge node, a data
// type from the point's type) and the payloads of the node's and devices'
// births, data and deaths, built from readings. Sans-I/O: no clock, no
// connection. No payload carries seq: it counts what went on the wire, so it
// is appended as each message goes out (MqttPublisher's numbering).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bridge/sparkplug/payload.hpp"
#include "config/config.hpp"
#include "drivers/reading.hpp"

namespace iotgw::gateway {

enum class SparkplugMessage { nbirth, ndeath, dbirth, ddata, ddeath, ncmd, dcmd };

// "NBIRTH", "NDEATH", ...
std::string_view name_of(SparkplugMessage type);

// The data type a point's values are published as: its own integer type or
// Boolean or String; Float for an unscaled float32; Double for float64 and for
// every scaled or offset point.
bridge::sparkplug::DataType data_type_of(const config::Point& point);

class SparkplugModel {
 public:
  // config must outlive the model.
  SparkplugModel(const config::Config& config, std::string group_id, std::string edge_node_id);

  // spBv1.0/{group}/{type}/{edge}, and /{device} for device messages.
  std::string topic(SparkplugMessage type) const;
  std::string topic(SparkplugMessage type, const config::Device& device) const;

  // 1 and up, in the order of the configuration: stable as long as it is.
  std::uint64_t alias_of(const config::Device& device, std::size_t point) const;

  // NDEATH, the will: bdSeq alone (Int64), no seq.
  bridge::sparkplug::Payload node_death(std::uint64_t bd_seq) const;
  // NBIRTH: bdSeq (the will's) and Node Control/Rebirth = false, without aliases.
  bridge::sparkplug::Payload node_birth(std::uint64_t bd_seq, std::uint64_t now_ms) const;
  // DBIRTH: every point of the device by name, alias and data type, with the
  // last value seen (null before the first good one).
  bridge::sparkplug::Payload device_birth(const config::Device& device, std::uint64_t now_ms) const;
  // DDATA for the readings of one poll: aliases only, each at its own time,
  // is_historical for a backlog. A reading without a good value is null.
  bridge::sparkplug::Payload device_data(std::span<const drivers::Reading> readings,
                                         bool historical) const;
  // DDEATH: the device stopped answering, or its port went down.
  bridge::sparkplug::Payload device_death(std::uint64_t now_ms) const;

  // Keeps a good reading's value for the next DBIRTH.
  void remember(const drivers::Reading& reading);

 private:
  struct DeviceMetrics {
    std::uint64_t first_alias = 0;
    std::vector<bridge::sparkplug::Value> last;  // per point; monostate: none yet
  };

  bridge::sparkplug::Metric metric_of(const config::Device& device, std::size_t point,
                                      bridge::sparkplug::Value value) const;

  const config::Config& config_;
  std::string group_id_;
  std::string edge_node_id_;
  std::unordered_map<const config::Device*, DeviceMetrics> devices_;
};

// Milliseconds since the epoch, as Sparkplug stamps.
std::uint64_t sparkplug_time(std::chrono::system_clock::time_point time);

}  // namespace iotgw::gateway
