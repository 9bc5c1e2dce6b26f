// A long outage's backlog drained while polling goes on: the real `iotgw run`
// against a local Mosquitto, seen by a separate QoS 1 subscriber.
//
// The store holds M minutes of readings of a meter of ten registers polled
// every 100 ms (100 readings/s) that an outage buffered, each marked as
// backlog (outage_backlog.hpp). The gateway starts and polls on, against the
// pymodbus TCP simulator. Twice: with store.delivery = "live_first" and
// store.backfill_rate, then with "fifo". For each, from the subscriber:
// - how old the live readings taken while the backlog drained were when they
//   arrived: median, p99, max (the JSON "ts" against the wall clock at
//   arrival, on the same machine);
// - the backlog's rate at the subscriber, over the middle 80% of the drain,
//   against backfill_rate;
// - how long the drain took, and any backlog reading that arrived twice.
// Live readings wait for the store's group commit too (store.commit_interval,
// 1 s by default): --commit-interval shows how much of their age that is.
//
// The machine may be shared: compare figures of one run.
//
// usage: bench_backfill [--minutes M] [--backfill-rate R] [--commit-interval DURATION]
//                       [--iotgw PATH]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

#include "tests/bench/gateway/bench_configs.hpp"
#include "tests/bench/gateway/bench_run.hpp"
#include "tests/bench/gateway/outage_backlog.hpp"
#include "tests/bench/gateway/process_usage.hpp"
#include "tests/bench/gateway/watcher.hpp"
#include "tests/support/loopback.hpp"
#include "tests/support/mosquitto_broker.hpp"
#include "tests/support/peer_process.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace iotgw::bench;

struct Options {
  double minutes = 30;
  std::uint32_t backfill_rate = 1000;
  std::string commit_interval;  // empty: the default
  fs::path iotgw = IOTGW_BINARY;
};

// Ten registers every 100 ms: 100 readings/s, one request per poll.
constexpr int points = 10;
constexpr auto poll = 100ms;

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--minutes" && has_value) {
      options.minutes = std::atof(argv[++i]);
    } else if (arg == "--backfill-rate" && has_value) {
      options.backfill_rate = static_cast<std::uint32_t>(std::strtoul(argv[++i], nullptr, 10));
    } else if (arg == "--commit-interval" && has_value) {
      options.commit_interval = argv[++i];
    } else if (arg == "--iotgw" && has_value) {
      options.iotgw = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: %s [--minutes M] [--backfill-rate R] [--commit-interval DURATION] "
                   "[--iotgw PATH]\n",
                   argv[0]);
      std::exit(2);
    }
  }
  if (options.minutes <= 0 || options.backfill_rate == 0) {
    std::fprintf(stderr, "minutes and backfill rate must be positive\n");
    std::exit(2);
  }
  return options;
}

// One telemetry message as the subscriber got it.
struct Arrival {
  Clock::time_point at;
  WallClock::time_point wall_at;
  WallClock::time_point taken;  // its "ts"
  bool backfill = false;
  std::string key;  // topic and "ts": the same reading twice has the same key
};

// The subscriber's record of every telemetry message, kept from its thread.
class Arrivals {
 public:
  void add(const iotgw::bridge::mqtt::packet::Publish& message, Clock::time_point at) {
    const std::string_view payload(reinterpret_cast<const char*>(message.payload.data()),
                                   message.payload.size());
    const std::optional<WallClock::time_point> taken = taken_at(payload);
    if (!taken) {
      return;
    }
    Arrival arrival{.at = at,
                    .wall_at = WallClock::now(),
                    .taken = *taken,
                    .backfill = payload.find("\"backfill\":true") != std::string_view::npos,
                    .key = message.topic + std::string(payload.substr(7, 24))};
    std::lock_guard lock(mutex_);
    backlog_ += arrival.backfill ? 1 : 0;
    all_.push_back(std::move(arrival));
  }

  std::uint64_t backlog() const {
    std::lock_guard lock(mutex_);
    return backlog_;
  }

  // Whether a live reading taken after `after` arrived.
  bool live_since(WallClock::time_point after) const {
    std::lock_guard lock(mutex_);
    return std::any_of(all_.begin(), all_.end(), [&](const Arrival& arrival) {
      return !arrival.backfill && arrival.taken > after;
    });
  }

  // When the last backlog reading arrived, by the wall clock.
  WallClock::time_point last_backlog() const {
    std::lock_guard lock(mutex_);
    WallClock::time_point last{};
    for (const Arrival& arrival : all_) {
      last = arrival.backfill ? std::max(last, arrival.wall_at) : last;
    }
    return last;
  }

  std::vector<Arrival> all() const {
    std::lock_guard lock(mutex_);
    return all_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Arrival> all_;
  std::uint64_t backlog_ = 0;
};

struct Result {
  double drain_seconds = 0;
  double live_p50 = 0;
  double live_p99 = 0;
  double live_max = 0;
  double backlog_rate = 0;
};

// One gateway, one delivery order: the backlog drained while polling goes on.
Result drain_while_live(const Options& options, const iotgw::test::MosquittoBroker& broker,
                        std::uint16_t device_port, const fs::path& dir,
                        const std::string& delivery) {
  const std::string id = delivery == "fifo" ? "bf-fifo" : "bf-live";
  std::string store_keys = "max_bytes = \"1GiB\"\ndelivery = \"" + delivery + "\"\n";
  if (delivery == "live_first") {
    store_keys += "backfill_rate = " + std::to_string(options.backfill_rate) + "\n";
  }
  const Setup setup{.state_dir = dir / id,
                    .broker_port = broker.port(),
                    .device_port = device_port,
                    .commit_interval = options.commit_interval,
                    .store_keys = store_keys};
  const fs::path config_file = dir / (id + ".toml");
  const iotgw::config::Config config =
      write_config(config_file, load_config(setup, points, poll, id));
  fs::create_directories(setup.state_dir);
  const auto readings = static_cast<std::uint64_t>(options.minutes * 60 * 1000 / poll.count()) *
                        static_cast<std::uint64_t>(points);
  const Backlog backlog = fill_outage_backlog(config, readings);
  std::printf(
      "%s: the store holds %llu readings of a %.1f-minute outage; polling goes on at %d "
      "readings/s\n",
      delivery.c_str(), static_cast<unsigned long long>(backlog.messages), options.minutes,
      static_cast<int>(points * 1000 / poll.count()));

  Arrivals arrivals;
  const std::string prefix = "iotgw/" + id + "/";
  Watcher watcher(broker.port(), "bench-" + id + "-watcher", prefix + "#", prefix + "meter/",
                  [&](const iotgw::bridge::mqtt::packet::Publish& message, Clock::time_point at) {
                    arrivals.add(message, at);
                  });
  const WallClock::time_point started = WallClock::now();
  GatewayProcess gateway(options.iotgw, config_file, dir / (id + ".log"));
  const Clock::time_point connected = await_online(gateway, watcher, id);
  await_count(
      gateway, [&] { return arrivals.backlog(); }, backlog.messages, connected, "the backlog");
  // Readings arrive in the order they were sent; with "fifo" the live ones
  // taken during the drain come after the backlog.
  const WallClock::time_point drained = arrivals.last_backlog();
  await(
      gateway, [&] { return arrivals.live_since(drained); }, 30s,
      "a live reading taken after the backlog");
  stop_cleanly(gateway);

  const std::vector<Arrival> all = arrivals.all();
  Clock::time_point first_backlog = Clock::time_point::max();
  Clock::time_point last_backlog{};
  std::set<std::string> backlog_keys;
  for (const Arrival& arrival : all) {
    if (arrival.backfill) {
      first_backlog = std::min(first_backlog, arrival.at);
      last_backlog = std::max(last_backlog, arrival.at);
      backlog_keys.insert(arrival.key);
    }
  }
  std::vector<double> live_ages;
  std::uint64_t middle_backlog = 0;
  const Clock::duration span = last_backlog - first_backlog;
  const Clock::time_point middle_from = first_backlog + span / 10;
  const Clock::time_point middle_to = last_backlog - span / 10;
  for (const Arrival& arrival : all) {
    if (arrival.backfill) {
      middle_backlog += arrival.at >= middle_from && arrival.at <= middle_to ? 1 : 0;
    } else if (arrival.taken >= started && arrival.taken <= drained) {
      live_ages.push_back(std::chrono::duration<double>(arrival.wall_at - arrival.taken).count());
    }
  }
  Result result{
      .drain_seconds = seconds(connected, last_backlog),
      .live_p50 = percentile(live_ages, 50),
      .live_p99 = percentile(live_ages, 99),
      .live_max = percentile(live_ages, 100),
      .backlog_rate = static_cast<double>(middle_backlog) / seconds(middle_from, middle_to)};
  std::printf("  the backlog at the subscriber %.1f s after connect; %llu of it twice\n",
              result.drain_seconds,
              static_cast<unsigned long long>(arrivals.backlog() - backlog_keys.size()));
  std::printf("  backlog rate, middle 80%% of the drain: %.1f msg/s", result.backlog_rate);
  if (delivery == "live_first") {
    std::printf(" = %.3f x backfill_rate %u (%+.1f%%)", result.backlog_rate / options.backfill_rate,
                options.backfill_rate, 100 * (result.backlog_rate / options.backfill_rate - 1));
  }
  std::printf(
      "\n  live readings during the drain: %zu, age at the subscriber median %.3f s, "
      "p99 %.3f s, max %.3f s\n",
      live_ages.size(), result.live_p50, result.live_p99, result.live_max);
  return result;
}

int run(const Options& options) {
  std::printf("load average at start: %s\n", load_average().c_str());
  Workspace workspace("bench_backfill");
  iotgw::test::MosquittoBroker broker;
  broker.start();
  iotgw::test::PeerProcess device;
  const std::uint16_t device_port = iotgw::test::free_loopback_port();
  device.start(
      iotgw::test::modbus_simulator({"--tcp", "127.0.0.1:" + std::to_string(device_port)}));
  std::printf("Mosquitto on 127.0.0.1:%u; iotgw %s; store.commit_interval %s\n", broker.port(),
              options.iotgw.c_str(),
              options.commit_interval.empty() ? "default (1s)" : options.commit_interval.c_str());

  const Result live_first =
      drain_while_live(options, broker, device_port, workspace.dir(), "live_first");
  const Result fifo = drain_while_live(options, broker, device_port, workspace.dir(), "fifo");
  std::printf(
      "live readings' p99 age while the backlog drained: live_first %.3f s, fifo %.3f s "
      "(%.0fx)\n",
      live_first.live_p99, fifo.live_p99,
      live_first.live_p99 > 0 ? fifo.live_p99 / live_first.live_p99 : 0.0);
  std::printf("load average at the end: %s\n", load_average().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  spdlog::set_level(spdlog::level::warn);
  try {
    return run(options);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_backfill: %s\n", error.what());
    return 1;
  }
}
