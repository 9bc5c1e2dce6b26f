// What a running gateway shows of itself, taken at one instant on the io
// thread (App::status, Service::status) and rendered for the HTTP endpoint
// and `iotgw status`: the Prometheus text exposition format (/metrics) and
// JSON (/api/status). Sans-I/O: the renderers take a snapshot and nothing else.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "drivers/reading.hpp"

namespace iotgw::gateway {

struct PointStatus {
  std::string name;
  std::string unit;                     // empty: none
  std::optional<drivers::Value> value;  // the last reading's, when it had one
  std::string quality;          // of the last reading: "good", "timeout", ...; "none" before any
  std::optional<double> age_s;  // since the last reading; empty before any
  bool writable = false;
};

struct DeviceStatus {
  std::string name;
  std::string bus;
  std::string protocol;  // "modbus-rtu", "modbus-tcp", "modbus-rtu-over-tcp", "line"
  std::uint64_t readings = 0;
  // Modbus devices only (zero for line devices).
  std::uint64_t requests = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t crc_errors = 0;
  std::uint64_t exceptions = 0;
  std::vector<PointStatus> points;
};

struct Status {
  std::string gateway_id;
  std::string version;
  double uptime_s = 0;
  std::uint64_t rss_bytes = 0;
  bool healthy = true;
  std::string health_reason;  // why not, when not healthy

  // Readings, from every bus.
  std::uint64_t readings = 0;
  std::uint64_t suppressed = 0;  // held back by report by exception
  std::uint64_t dropped = 0;     // refused by the store (full, by policy, or an error)

  // The store.
  std::uint64_t queue_rows = 0;
  std::uint64_t queue_bytes = 0;
  double oldest_queued_age_s = 0;  // 0 when the queue is empty
  std::uint64_t queued = 0;        // messages the store accepted
  std::uint64_t evicted = 0;       // dropped by the store's bounds or a full disk
  std::uint64_t fsyncs = 0;
  std::uint64_t clock_held = 0;  // rows waiting for the wall clock

  // The uplink.
  bool connected = false;
  std::string broker;  // the url of the broker connected, or tried next
  std::uint64_t broker_index = 0;
  std::uint64_t reconnects = 0;
  std::uint64_t failovers = 0;
  std::uint64_t published = 0;     // handed to the MQTT client
  std::uint64_t acknowledged = 0;  // acknowledged by the broker (QoS 0: written)
  std::uint64_t expired = 0;       // dropped instead of sent, older than telemetry.expiry
  std::uint64_t rejected = 0;      // refused by the broker or unfit
  std::uint64_t commands = 0;
  std::uint64_t commands_refused = 0;
  bool clock_synchronised = true;

  std::vector<DeviceStatus> devices;
};

// Prometheus text exposition format 0.0.4: every metric with HELP and TYPE,
// names iotgw_…, counters ending in _total, base units (seconds, bytes), labels
// bus, device and point where they apply, label values escaped.
std::string prometheus_text(const Status& status);

// The same, and every point's last value, quality and age, as one JSON object.
std::string status_json(const Status& status);

}  // namespace iotgw::gateway
