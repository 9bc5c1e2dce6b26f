// What the gateway benchmarks share to run `iotgw run` and wait on it: a
// working folder, configurations written and checked as the gateway will load
// them, waits that fail when the gateway exits, and a clean stop.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "tests/bench/gateway/gateway_process.hpp"
#include "tests/bench/gateway/watcher.hpp"
#include "tests/support/temp_dir.hpp"

namespace iotgw::bench {

using WallClock = std::chrono::system_clock;

double seconds(Clock::time_point from, Clock::time_point to);
double mib(std::uint64_t kib);

// The "ts" of a JSON telemetry payload, {"ts":"2026-12-03T19:00:00.123Z",...}.
std::optional<WallClock::time_point> taken_at(std::string_view payload);
// The p-th percentile of `values` by nearest rank; 0 when there are none.
double percentile(std::vector<double> values, double p);

// A fresh folder for the stores, configurations and logs, removed at the end;
// kept when an exception ends the run, since its logs are what explains it.
class Workspace {
 public:
  explicit Workspace(std::string benchmark);
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  const std::filesystem::path& dir() const { return folder_.path(); }

 private:
  std::string benchmark_;
  test::TempDir folder_;
};

// Writes a configuration file and loads it as `iotgw run` will; throws with
// the diagnostics when it is invalid.
config::Config write_config(const std::filesystem::path& file, const std::string& text);

// Waits for `condition` while the gateway runs; throws naming `what` otherwise.
void await(GatewayProcess& gateway, const std::function<bool()>& condition,
           std::chrono::milliseconds timeout, const std::string& what);

// Waits for the retained birth message of gateway `id`; when it arrived.
Clock::time_point await_online(GatewayProcess& gateway, const Watcher& watcher,
                               const std::string& id);

// Waits until `count()` reaches `total`, with a progress line every 10 s
// (seconds since `since`); throws naming `what` when the count stops growing
// for 30 s or iotgw exits.
void await_count(GatewayProcess& gateway, const std::function<std::uint64_t()>& count,
                 std::uint64_t total, Clock::time_point since, const std::string& what);

// SIGTERM; throws unless the gateway exited with status 0.
void stop_cleanly(GatewayProcess& gateway);

}  // namespace iotgw::bench
