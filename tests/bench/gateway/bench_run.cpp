#include "tests/bench/gateway/bench_run.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <exception>
#include <fstream>
#include <stdexcept>

#include "config/load.hpp"

namespace iotgw::bench {

using namespace std::chrono_literals;

double seconds(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

double mib(std::uint64_t kib) {
  return static_cast<double>(kib) / 1024.0;
}

std::optional<WallClock::time_point> taken_at(std::string_view payload) {
  constexpr std::string_view head = "{\"ts\":\"";
  if (!payload.starts_with(head) || payload.size() < head.size() + 24) {
    return std::nullopt;
  }
  std::tm tm{};
  int millis = 0;
  const std::string text(payload.substr(head.size(), 24));
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &millis) != 7) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return WallClock::from_time_t(timegm(&tm)) + std::chrono::milliseconds(millis);
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100 * values.size()));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

Workspace::Workspace(std::string benchmark)
    : benchmark_(std::move(benchmark)), folder_("iotgw-" + benchmark_) {}

Workspace::~Workspace() {
  if (std::uncaught_exceptions() > 0) {
    std::fprintf(stderr, "%s: logs and stores kept in %s\n", benchmark_.c_str(), dir().c_str());
    folder_.keep();
  }
}

config::Config write_config(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file) << text;
  config::LoadResult loaded = config::load_file(file);
  if (!loaded.config) {
    std::string problems;
    for (const auto& diagnostic : loaded.diagnostics) {
      problems += diagnostic.to_string() + "\n";
    }
    throw std::runtime_error("the benchmark's configuration is invalid:\n" + problems);
  }
  return std::move(*loaded.config);
}

void await(GatewayProcess& gateway, const std::function<bool()>& condition,
           std::chrono::milliseconds timeout, const std::string& what) {
  bool exited = false;
  const bool met = wait_for(
      [&] {
        exited = !gateway.running();
        return exited || condition();
      },
      timeout);
  if (exited) {
    throw std::runtime_error("iotgw exited while waiting for " + what + "; see " +
                             gateway.log().string());
  }
  if (!met) {
    throw std::runtime_error(what + ": not within " + std::to_string(timeout.count() / 1000) +
                             " s; see " + gateway.log().string());
  }
}

Clock::time_point await_online(GatewayProcess& gateway, const Watcher& watcher,
                               const std::string& id) {
  const std::string status = "iotgw/" + id + "/status";
  await(
      gateway,
      [&] {
        const auto latest = watcher.latest(status);
        return latest && latest->payload == "online";
      },
      30s, "\"online\" on " + status);
  return watcher.latest(status)->at;
}

void await_count(GatewayProcess& gateway, const std::function<std::uint64_t()>& count,
                 std::uint64_t total, Clock::time_point since, const std::string& what) {
  std::uint64_t seen = 0;
  Clock::time_point progressed = Clock::now();
  Clock::time_point reported = progressed;
  await(
      gateway,
      [&] {
        const std::uint64_t now_seen = count();
        const Clock::time_point now = Clock::now();
        if (now_seen != seen) {
          seen = now_seen;
          progressed = now;
        }
        if (now - reported >= 10s && seen < total) {
          reported = now;
          std::printf("  ... %llu of %llu after %.0f s\n", static_cast<unsigned long long>(seen),
                      static_cast<unsigned long long>(total), seconds(since, now));
        }
        return seen >= total || now - progressed >= 30s;
      },
      std::chrono::hours(24), what);
  if (seen < total) {
    throw std::runtime_error(what + " stalled at " + std::to_string(seen) + " of " +
                             std::to_string(total) + "; see " + gateway.log().string());
  }
}

void stop_cleanly(GatewayProcess& gateway) {
  const int status = gateway.stop();
  if (status != 0) {
    throw std::runtime_error("iotgw exited with status " + std::to_string(status) + "; see " +
                             gateway.log().string());
  }
}

}  // namespace iotgw::bench
