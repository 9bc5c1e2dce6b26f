// The gateway end to end: the real `iotgw run` against a local Mosquitto, seen
// from a separate subscriber (QoS 1) on the same broker.
//
// 1. Drain. The store already holds N readings that an outage buffered
//    (telemetry messages as the gateway makes them, see outage_backlog.hpp);
//    the gateway starts, connects and drains them. Figure: N / (connect ->
//    the N-th reading at the subscriber). It includes SQLite's fetch and
//    acknowledgement work and the broker's fan-out to the subscriber. The
//    Eclipse Paho C anchor (a reference program kept beside the repository in
//    ../shared/anchors) then publishes N 64-byte QoS 1 messages to the same
//    broker with the same kind of subscriber attached, and both are compared
//    as the subscriber saw them (first -> last).
// 2. Resources. `iotgw run` idle (connected, one point every 5 s) and at
//    1,000 readings/s (100 registers polled every 100 ms from the pymodbus
//    TCP simulator, one request per poll): CPU from /proc/PID/stat over the
//    window, VmRSS and VmHWM, context switches; the achieved reading rate as
//    the subscriber counted it and as the gateway's metrics count it.
//
// The machine may be shared: compare figures of one run, as ratios.
//
// usage: bench_gateway [--readings N] [--window SECONDS] [--iotgw PATH] [--anchors DIR]
//                      [--commit-interval DURATION]   (store.commit_interval of every phase)
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <thread>

#include <spdlog/spdlog.h>

#include "bridge/store/queue_core.hpp"
#include "config/load.hpp"
#include "tests/bench/anchor.hpp"
#include "tests/bench/gateway/bench_configs.hpp"
#include "tests/bench/gateway/bench_run.hpp"
#include "tests/bench/gateway/gateway_process.hpp"
#include "tests/bench/gateway/outage_backlog.hpp"
#include "tests/bench/gateway/process_usage.hpp"
#include "tests/bench/gateway/watcher.hpp"
#include "tests/support/loopback.hpp"
#include "tests/support/mosquitto_broker.hpp"
#include "tests/support/peer_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace iotgw::bench;
using iotgw::test::MosquittoBroker;

struct Options {
  std::uint64_t readings = 1'000'000;
  std::chrono::milliseconds window = 20s;
  fs::path iotgw = IOTGW_BINARY;
  fs::path anchors = default_anchors();
  std::string commit_interval;  // store.commit_interval of every phase; empty: the default
};

// 100 points every 100 ms: 1,000 readings/s in one request per poll.
constexpr int load_points = 100;
constexpr auto load_poll = 100ms;
// 10,000 points on one Modbus TCP bus, polled every 10 s: what a point costs.
constexpr int points_devices = 50;
constexpr int points_per_device = 200;
constexpr auto points_poll = 10s;
// After a drain: past the store's idle delay (5 s), when it gives memory back.
constexpr auto idle_settle = 7s;
// The Paho anchor's in-flight window: the gateway's default mqtt.inflight.
constexpr int anchor_inflight = 64;

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--readings" && has_value) {
      options.readings = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--window" && has_value) {
      options.window = std::chrono::milliseconds(std::llround(1000 * std::atof(argv[++i])));
    } else if (arg == "--iotgw" && has_value) {
      options.iotgw = argv[++i];
    } else if (arg == "--anchors" && has_value) {
      options.anchors = argv[++i];
    } else if (arg == "--commit-interval" && has_value) {
      options.commit_interval = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: %s [--readings N] [--window SECONDS] [--iotgw PATH] [--anchors DIR] "
                   "[--commit-interval DURATION]\n",
                   argv[0]);
      std::exit(2);
    }
  }
  if (options.readings == 0 || options.window <= 0ms) {
    std::fprintf(stderr, "readings and window must be positive\n");
    std::exit(2);
  }
  return options;
}

// Prints the CPU time of each of the gateway's threads between two readings.
void print_threads(const ProcessUsage& before, const ProcessUsage& after, pid_t pid) {
  std::printf("    by thread:");
  for (const ThreadUsage& thread : after.threads) {
    std::printf(" %s%s %.2f s", thread.name.c_str(), thread.tid == pid ? " (main, io_context)" : "",
                thread_cpu_between(before, after, thread.tid));
  }
  std::printf("\n");
}

// The drain after an outage: messages per second at the subscriber from the
// first to the last buffered reading (the figure compared with the anchor),
// or nothing when a check failed.
std::optional<double> drain(const Options& options, const MosquittoBroker& broker,
                            const fs::path& dir) {
  // Nobody listens on the meter's port: it stays unreachable, as in the
  // outage, and adds one port_down reading per point once.
  const Setup setup{.state_dir = dir / "drain",
                    .broker_port = broker.port(),
                    .device_port = iotgw::test::free_loopback_port(),
                    .commit_interval = options.commit_interval,
                    .store_keys = {}};
  const fs::path config_file = dir / "drain.toml";
  const iotgw::config::Config config = write_config(
      config_file, drain_config(setup, std::max<std::uint64_t>(2 * options.readings, 1'000'000)));
  fs::create_directories(setup.state_dir);
  const Clock::time_point fill_start = Clock::now();
  const Backlog backlog = fill_outage_backlog(config, options.readings);
  const double n = static_cast<double>(backlog.messages);
  std::printf(
      "drain: the store holds %llu readings of an outage (mean topic %.0f B + payload %.0f B; "
      "file %.0f MiB; written in %.1f s)\n",
      static_cast<unsigned long long>(backlog.messages),
      static_cast<double>(backlog.topic_bytes) / n, static_cast<double>(backlog.payload_bytes) / n,
      mib(backlog.file_bytes / 1024), seconds(fill_start, Clock::now()));

  Watcher watcher(broker.port(), "bench-drain-watcher", "iotgw/drain/#", "iotgw/drain/meter/");
  const double own_cpu_before = cpu_seconds(RUSAGE_SELF);
  const Clock::time_point started = Clock::now();
  GatewayProcess gateway(options.iotgw, config_file, dir / "drain.log");
  const Clock::time_point connected = await_online(gateway, watcher, "drain");
  const ProcessUsage at_connect = read_usage(gateway.pid());
  const std::optional<pid_t> mosquitto = process_with_argument((broker.dir() / "mosquitto.conf"));
  const double broker_cpu_before = mosquitto ? read_usage(*mosquitto).cpu_seconds : 0;
  std::printf("  iotgw run: connected %.2f s after its start (opening the store included)\n",
              seconds(started, connected));

  await_count(
      gateway, [&] { return watcher.good(); }, backlog.messages, connected, "the drain");
  const ProcessUsage drained = read_usage(gateway.pid());
  const double broker_cpu = mosquitto ? read_usage(*mosquitto).cpu_seconds - broker_cpu_before : 0;
  const double own_cpu = cpu_seconds(RUSAGE_SELF) - own_cpu_before;
  const double span = seconds(connected, watcher.last_good_at());
  const double rate = n / span;
  std::printf("  all %llu at the subscriber %.2f s after connect = %.0f msg/s\n",
              static_cast<unsigned long long>(backlog.messages), span, rate);
  const double first_to_last = n / seconds(watcher.first_at(), watcher.last_good_at());
  std::printf("  at the subscriber, first to last: %.0f msg/s\n", first_to_last);
  std::printf("  (includes SQLite fetch + ack/delete and Mosquitto's fan-out to the subscriber)\n");
  std::printf(
      "  CPU during the drain: iotgw %.2f s (%.0f%% of one core), mosquitto %.2f s, "
      "this benchmark (the subscriber) %.2f s\n",
      drained.cpu_seconds - at_connect.cpu_seconds,
      100 * (drained.cpu_seconds - at_connect.cpu_seconds) / span, broker_cpu, own_cpu);
  print_threads(at_connect, drained, gateway.pid());
  std::printf("  iotgw peak RSS (VmHWM) %.1f MiB, RSS now %.1f MiB\n", mib(drained.hwm_kib),
              mib(drained.rss_kib));

  // The store commits acknowledgements in groups: wait until the gateway's
  // metrics say the queue is empty, then stop it and look at the file.
  const std::string metrics = "iotgw/drain/metrics";
  bool empty_reported = true;
  try {
    await(
        gateway,
        [&] {
          const auto latest = watcher.latest(metrics);
          return latest && latest->payload.find("\"queued\":0,") != std::string::npos;
        },
        30s, "\"queued\":0 in the metrics");
  } catch (const std::runtime_error& error) {
    std::printf("  %s\n", error.what());
    empty_reported = false;
  }
  // The store's idle work (5 s after its last commit) gives memory back.
  std::this_thread::sleep_for(idle_settle);
  const ProcessUsage idle = read_usage(gateway.pid());
  std::printf("  iotgw RSS %.0f s after the drain: %.1f MiB\n",
              std::chrono::duration<double>(idle_settle).count(), mib(idle.rss_kib));
  stop_cleanly(gateway);
  const std::uint64_t left = iotgw::bridge::store::QueueCore(config.store).counters().rows;
  std::printf("  readings of the unreachable meter after the backlog: %llu (port_down)\n",
              static_cast<unsigned long long>(watcher.counted() - watcher.good()));
  std::printf("  store after the drain and a clean stop: %llu rows%s\n",
              static_cast<unsigned long long>(left), left == 0 ? "" : "  <-- NOT EMPTY");
  if (left != 0 || !empty_reported) {
    return std::nullopt;
  }
  return first_to_last;
}

// The Paho C anchor against the same broker with the same kind of subscriber
// attached; messages per second from the first to the last at the subscriber.
std::optional<double> paho_anchor(const Options& options, const MosquittoBroker& broker,
                                  const fs::path& dir) {
  std::printf("anchor: Eclipse Paho C, %llu QoS 1 messages of 64 B, in-flight %d\n",
              static_cast<unsigned long long>(options.readings), anchor_inflight);
  Watcher watcher(broker.port(), "bench-paho-watcher", "bench/paho", "bench/paho");
  const std::optional<double> own =
      run_anchor(options.anchors / "paho_bench.c", "-lpaho-mqtt3as", dir / "paho_bench",
                 "tcp://127.0.0.1:" + std::to_string(broker.port()) + " " +
                     std::to_string(options.readings) + " 64 " + std::to_string(anchor_inflight));
  if (!own) {
    return std::nullopt;
  }
  if (!wait_for([&] { return watcher.counted() >= options.readings; }, 60s)) {
    std::printf("  the subscriber saw only %llu of them\n",
                static_cast<unsigned long long>(watcher.counted()));
    return std::nullopt;
  }
  const double rate =
      static_cast<double>(options.readings) / seconds(watcher.first_at(), watcher.last_at());
  std::printf("  at the subscriber, first to last: %.0f msg/s\n", rate);
  return rate;
}

struct SteadyPhase {
  std::string id;
  std::string what;
  std::string config;
  std::string counted;    // topics below the gateway's counted as readings ("meter/")
  std::uint64_t warm_up;  // readings to see before the window opens
  bool has_metrics;       // metrics every second: wait for one before the window opens
};

// A counter of a metrics payload ("readings":123,...), if it is there.
std::optional<double> metric(const std::optional<Watcher::Latest>& metrics,
                             const std::string& name) {
  const std::string key = "\"" + name + "\":";
  const std::size_t at = metrics ? metrics->payload.find(key) : std::string::npos;
  if (at == std::string::npos) {
    return std::nullopt;
  }
  return std::atof(metrics->payload.c_str() + at + key.size());
}

// Readings taken per second and the queue's growth between two metrics
// messages of the gateway, when there are two.
void print_metrics_between(const std::optional<Watcher::Latest>& from,
                           const std::optional<Watcher::Latest>& to) {
  const auto taken_from = metric(from, "readings");
  const auto taken_to = metric(to, "readings");
  const auto queued_from = metric(from, "queued");
  const auto queued_to = metric(to, "queued");
  if (!taken_from || !taken_to || !queued_from || !queued_to || to->at <= from->at) {
    return;
  }
  std::printf("  readings taken: %.1f/s (iotgw's metrics); its queue grew by %.0f\n",
              (*taken_to - *taken_from) / seconds(from->at, to->at), *queued_to - *queued_from);
}

// How long the readings counted while the window is open took from being taken
// (their "ts", milliseconds) to the subscriber (the wall clock at arrival).
class Latencies {
 public:
  void open() { open_ = true; }
  void close() { open_ = false; }

  void add(const iotgw::bridge::mqtt::packet::Publish& message) {
    if (!open_) {
      return;
    }
    const auto arrived = WallClock::now();
    const std::optional<WallClock::time_point> taken = taken_at(std::string_view(
        reinterpret_cast<const char*>(message.payload.data()), message.payload.size()));
    if (taken) {
      std::lock_guard lock(mutex_);
      ms_.push_back(std::chrono::duration<double, std::milli>(arrived - *taken).count());
    }
  }

  void print() const {
    std::lock_guard lock(mutex_);
    std::printf(
        "  reading taken -> at the subscriber: median %.1f ms, p99 %.1f ms, max %.1f ms (%zu "
        "readings)\n",
        percentile(ms_, 50), percentile(ms_, 99), percentile(ms_, 100), ms_.size());
  }

 private:
  std::atomic<bool> open_{false};
  mutable std::mutex mutex_;
  std::vector<double> ms_;
};

// Runs a gateway for one measurement window after it connected and delivered
// its first readings; prints CPU, memory, the reading rates and latencies.
struct PhaseUsage {
  ProcessUsage end;                // at the end of the window
  std::uint64_t anon_low_kib = 0;  // the lowest anonymous memory sampled in it
};

PhaseUsage steady_state(const Options& options, const MosquittoBroker& broker, const fs::path& dir,
                        const SteadyPhase& phase) {
  const fs::path config_file = dir / (phase.id + ".toml");
  write_config(config_file, phase.config);
  const std::string prefix = "iotgw/" + phase.id + "/";
  const std::string metrics = prefix + "metrics";
  Latencies latencies;
  Watcher watcher(broker.port(), "bench-" + phase.id + "-watcher", prefix + "#",
                  prefix + phase.counted,
                  [&](const iotgw::bridge::mqtt::packet::Publish& message, Clock::time_point) {
                    latencies.add(message);
                  });
  GatewayProcess gateway(options.iotgw, config_file, dir / (phase.id + ".log"));
  await_online(gateway, watcher, phase.id);
  await(
      gateway,
      [&] {
        return watcher.good() >= phase.warm_up && (!phase.has_metrics || watcher.latest(metrics));
      },
      30s, std::to_string(phase.warm_up) + " good readings under " + prefix + phase.counted);
  const ProcessUsage before = read_usage(gateway.pid());
  const std::uint64_t counted_before = watcher.good();
  const auto metrics_before = watcher.latest(metrics);
  const Clock::time_point opened = Clock::now();
  latencies.open();
  // The measurement itself. The anonymous memory is sampled through it: a
  // sample at the end alone may fall on a poll's burst or on the trim after it.
  std::uint64_t anon_low_kib = before.anon_kib;
  while (Clock::now() - opened < options.window) {
    std::this_thread::sleep_for(250ms);
    anon_low_kib = std::min(anon_low_kib, read_usage(gateway.pid()).anon_kib);
  }
  latencies.close();
  const ProcessUsage after = read_usage(gateway.pid());
  anon_low_kib = std::min(anon_low_kib, after.anon_kib);
  const std::uint64_t counted_after = watcher.good();
  const auto metrics_after = watcher.latest(metrics);
  const double window = seconds(opened, Clock::now());
  stop_cleanly(gateway);
  std::printf("%s: %s; %.1f s window\n", phase.id.c_str(), phase.what.c_str(), window);
  std::printf("  readings at the subscriber: %.2f/s\n",
              static_cast<double>(counted_after - counted_before) / window);
  print_metrics_between(metrics_before, metrics_after);
  std::printf(
      "  iotgw CPU %.2f%% of one core, RSS %.1f MiB (peak %.1f MiB; anonymous %.1f MiB, lowest "
      "%.1f MiB; PSS %.1f MiB), %.1f context switches/s\n",
      100 * (after.cpu_seconds - before.cpu_seconds) / window, mib(after.rss_kib),
      mib(after.hwm_kib), mib(after.anon_kib), mib(anon_low_kib), mib(after.pss_kib),
      static_cast<double>(after.context_switches - before.context_switches) / window);
  latencies.print();
  return {.end = after, .anon_low_kib = anon_low_kib};
}

int run(const Options& options) {
  std::printf("load average at start: %s\n", load_average().c_str());
  Workspace workspace("bench_gateway");
  MosquittoBroker broker;
  broker.start();
  std::printf("Mosquitto on 127.0.0.1:%u; iotgw %s; store.commit_interval %s\n", broker.port(),
              options.iotgw.c_str(),
              options.commit_interval.empty() ? "default (1s)" : options.commit_interval.c_str());

  const std::optional<double> drained = drain(options, broker, workspace.dir());
  const std::optional<double> paho = paho_anchor(options, broker, workspace.dir());
  if (drained && paho) {
    std::printf("iotgw drain / paho = %.2fx (both at the subscriber, first to last)\n",
                *drained / *paho);
  }

  iotgw::test::PeerProcess device;
  const std::uint16_t device_port = iotgw::test::free_loopback_port();
  device.start(iotgw::test::modbus_simulator({"--tcp", "127.0.0.1:" + std::to_string(device_port),
                                              "--units", std::to_string(points_devices)}));
  const auto setup = [&](const char* id) {
    return Setup{.state_dir = workspace.dir() / id,
                 .broker_port = broker.port(),
                 .device_port = device_port,
                 .commit_interval = options.commit_interval,
                 .store_keys = {}};
  };
  const PhaseUsage idle = steady_state(options, broker, workspace.dir(),
                                       {.id = "idle",
                                        .what = "connected, one point polled every 5 s",
                                        .config = idle_config(setup("idle")),
                                        .counted = "boiler/",
                                        .warm_up = 1,
                                        .has_metrics = false});
  steady_state(options, broker, workspace.dir(),
               {.id = "load",
                .what = std::to_string(load_points) + " registers polled every " +
                        std::to_string(load_poll.count()) + " ms, one request per poll",
                .config = load_config(setup("load"), load_points, load_poll),
                .counted = "meter/",
                .warm_up = load_points,
                .has_metrics = true});
  steady_state(options, broker, workspace.dir(),
               {.id = "load-device",
                .what = "the same as one device_json message per poll (10 messages/s)",
                .config = load_config(setup("load-device"), load_points, load_poll, "load-device",
                                      "payload = \"device_json\"\n"
                                      "topic = \"{prefix}/{gateway}/{device}\"\n"),
                .counted = "meter",
                .warm_up = 1,
                .has_metrics = true});
  constexpr int points = points_devices * points_per_device;
  const PhaseUsage many = steady_state(
      options, broker, workspace.dir(),
      {.id = "points",
       .what = std::to_string(points) + " points (" + std::to_string(points_devices) +
               " devices) polled every " + std::to_string(points_poll.count()) + " s",
       .config = points_config(setup("points"), points_devices, points_per_device, points_poll),
       .counted = "dev",
       .warm_up = points,
       .has_metrics = true});
  const auto per_point = [&](std::uint64_t with, std::uint64_t without) {
    return with > without ? 1024.0 * static_cast<double>(with - without) / points : 0.0;
  };
  std::printf(
      "  per point over idle: RSS %.0f B, peak %.0f B, anonymous %.0f B (lowest in the window "
      "%.0f B)\n",
      per_point(many.end.rss_kib, idle.end.rss_kib), per_point(many.end.hwm_kib, idle.end.hwm_kib),
      per_point(many.end.anon_kib, idle.end.anon_kib),
      per_point(many.anon_low_kib, idle.anon_low_kib));
  std::printf("load average at the end: %s\n", load_average().c_str());
  return drained ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  spdlog::set_level(spdlog::level::warn);
  try {
    return run(options);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_gateway: %s\n", error.what());
    return 1;
  }
}
