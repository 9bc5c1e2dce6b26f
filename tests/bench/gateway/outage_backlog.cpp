#include "tests/bench/gateway/outage_backlog.hpp"

#include <filesystem>
#include <stdexcept>
#include <vector>

#include "bridge/store/queue_core.hpp"
#include "drivers/reading.hpp"
#include "gateway/telemetry.hpp"

namespace iotgw::bench {
namespace {

// A plausible value of the point's type in poll number `poll`, shaped as the
// Modbus decoder shapes it: integers stay integers while unscaled, scaled
// integers and floats are doubles (a float32 one a float's precision).
drivers::Value value_at(const config::Point& point, std::uint64_t poll) {
  const auto step = static_cast<double>(poll % 1000);
  switch (point.type) {
    case config::ValueType::boolean:
      return poll % 2 == 0;
    case config::ValueType::float32:
      return static_cast<double>(static_cast<float>(200.0 + step * 0.037));
    case config::ValueType::float64:
      return 200.0 + step * 0.037;
    case config::ValueType::string:
      return std::string("ok");
    default:
      break;
  }
  const bool scaled = point.scale != 1.0 || point.offset != 0.0;
  if (scaled) {
    return step * point.scale + point.offset;
  }
  switch (point.type) {
    case config::ValueType::int16:
    case config::ValueType::int32:
    case config::ValueType::int64:
      return static_cast<std::int64_t>(poll % 1000) - 500;
    default:
      return static_cast<std::uint64_t>(poll % 100'000);
  }
}

struct Source {
  const config::Device* device;
  const config::Point* point;
};

}  // namespace

Backlog fill_outage_backlog(const config::Config& config, std::uint64_t readings) {
  std::vector<Source> sources;
  for (const config::Bus& bus : config.buses) {
    for (const config::Device& device : bus.devices) {
      for (const config::Point& point : device.points) {
        sources.push_back({&device, &point});
      }
    }
  }
  if (sources.empty()) {
    throw std::runtime_error("the configuration has no points to fill the store with");
  }
  const gateway::Telemetry telemetry(config);
  bridge::store::QueueCore core(config.store);
  const std::uint64_t polls = (readings + sources.size() - 1) / sources.size();
  const auto ended = std::chrono::system_clock::now();
  Backlog backlog;
  std::vector<bridge::store::Message> batch;
  batch.reserve(config.store.commit_batch);
  const auto commit = [&] {
    const bridge::store::AppendResult result = core.append(batch);
    if (result.accepted != batch.size()) {
      throw std::runtime_error("the store refused part of the backlog");
    }
    batch.clear();
  };
  for (std::uint64_t n = 0; n < readings; ++n) {
    const std::uint64_t poll = n / sources.size();
    const Source& source = sources[n % sources.size()];
    drivers::Reading reading;
    reading.device = source.device;
    reading.point = source.point;
    reading.value = value_at(*source.point, poll);
    reading.wall_time = ended - (polls - poll) * source.device->poll_interval;
    const std::optional<gateway::TelemetryMessage> telemetry_message =
        telemetry.message(reading, true);
    bridge::store::Message& message = batch.emplace_back();
    message.topic = telemetry_message->topic;
    message.payload.assign(telemetry_message->payload.begin(), telemetry_message->payload.end());
    message.qos = static_cast<std::uint8_t>(config.mqtt.qos);
    message.enqueued = reading.wall_time;
    message.backfill = true;  // taken while the uplink was down
    backlog.topic_bytes += message.topic.size();
    backlog.payload_bytes += message.payload.size();
    if (batch.size() == config.store.commit_batch) {
      commit();
    }
  }
  if (!batch.empty()) {
    commit();
  }
  backlog.messages = core.counters().rows;
  // Most of it may still be in the write-ahead log, which the gateway reads too.
  std::error_code missing;
  const auto wal_bytes = std::filesystem::file_size(core.path().string() + "-wal", missing);
  backlog.file_bytes = core.file_bytes() + (missing ? 0 : wal_bytes);
  return backlog;
}

}  // namespace iotgw::bench
