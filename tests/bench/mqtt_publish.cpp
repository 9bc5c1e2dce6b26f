// QoS 1 publish throughput of the MQTT client to a loopback Mosquitto started
// here, beside the two anchors (reference programs kept beside the repository
// in ../shared/anchors) run against the same broker: Eclipse Paho C (MQTTAsync)
// and a minimal pipelined publisher that marks the ceiling of what the broker
// takes. The anchors' sources are compiled with gcc at run time, as their
// headers say.
//
// --version 5 runs the client and the Paho anchor in MQTT 5: Paho C from
// tests/bench/anchors/paho_bench_v5.c, the MQTT 5 mode of paho_bench.c. The
// raw anchor speaks MQTT 3.1.1 only; its ceiling stays a ceiling of the
// broker, a byte lighter per PUBLISH (no property length) and per PUBACK
// (Mosquitto's MQTT 5 PUBACK says No matching subscribers). The broker's
// Receive Maximum (5.0 3.2.2.3.3; Mosquitto's max_inflight_messages, 20 by
// default) caps the window of a client that honours it, as Paho C does; and
// the client uses topic aliases as configured (mqtt.topic_aliases), where
// Paho C names the topic in every PUBLISH.
//
// usage: mqtt_publish [--messages N] [--payload BYTES] [--inflight W]
//                     [--version 3.1.1|5] [--anchors DIR | --no-anchors]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/resource.h>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include "bridge/mqtt/io/client.hpp"
#include "tests/bench/anchor.hpp"
#include "tests/support/mosquitto_broker.hpp"

namespace {

using iotgw::bench::cpu_seconds;
using iotgw::bench::repository_anchors;
using iotgw::bench::run_anchor;
using iotgw::test::MosquittoBroker;
using Clock = std::chrono::steady_clock;
using MqttVersion = iotgw::config::MqttVersion;

struct Options {
  long messages = 1'000'000;
  int payload = 64;
  int inflight = 64;
  MqttVersion version = MqttVersion::v3_1_1;
  std::filesystem::path anchors = iotgw::bench::default_anchors();
  bool run_anchors = true;
};

[[noreturn]] void usage(const char* program) {
  std::fprintf(stderr,
               "usage: %s [--messages N] [--payload BYTES] [--inflight W] [--version 3.1.1|5] "
               "[--anchors DIR | --no-anchors]\n",
               program);
  std::exit(2);
}

// The client speaks exactly the version asked for, without the fallback of
// "auto", so that the figure is one of that version.
MqttVersion version_named(const std::string& name, const char* program) {
  if (name == "3.1.1") {
    return MqttVersion::v3_1_1;
  }
  if (name == "5") {
    return MqttVersion::v5;
  }
  usage(program);
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--messages" && has_value) {
      options.messages = std::atol(argv[++i]);
    } else if (arg == "--payload" && has_value) {
      options.payload = std::atoi(argv[++i]);
    } else if (arg == "--inflight" && has_value) {
      options.inflight = std::atoi(argv[++i]);
    } else if (arg == "--version" && has_value) {
      options.version = version_named(argv[++i], argv[0]);
    } else if (arg == "--anchors" && has_value) {
      options.anchors = argv[++i];
    } else if (arg == "--no-anchors") {
      options.run_anchors = false;
    } else {
      usage(argv[0]);
    }
  }
  if (options.messages <= 0 || options.payload < 0 || options.inflight <= 0) {
    std::fprintf(stderr, "messages and inflight must be positive\n");
    std::exit(2);
  }
  return options;
}

// Publishes options.messages QoS 1 messages keeping the window full: every
// acknowledgement lets the next message go. Returns messages per second.
double run_iotgw(const MosquittoBroker& broker, const Options& options) {
  // One thread runs the io_context, as in the gateway: the hint lets Asio
  // queue handlers without waking the reactor through epoll_ctl.
  boost::asio::io_context io(1);
  iotgw::config::Mqtt mqtt;
  mqtt.brokers = {{.url = broker.url(), .host = "127.0.0.1", .port = broker.port()}};
  mqtt.client_id = "iotgw-bench";
  mqtt.clean_session = true;
  mqtt.inflight = static_cast<std::uint32_t>(options.inflight);
  mqtt.version = options.version;
  mqtt.will.topic.clear();
  iotgw::bridge::mqtt::io::Client client(io.get_executor(), mqtt);

  const std::vector<std::uint8_t> payload(static_cast<std::size_t>(options.payload), 'x');
  long sent = 0;
  long acked = 0;
  long failed = 0;
  Clock::time_point started{};
  Clock::time_point finished{};
  std::function<void()> pump;
  const auto done = [&](const iotgw::bridge::mqtt::Result<>& acknowledged) {
    failed += acknowledged ? 0 : 1;
    if (++acked == options.messages) {
      finished = Clock::now();
      client.stop([] {});
      return;
    }
    pump();
  };
  pump = [&] {
    while (sent < options.messages && !client.window_full()) {
      if (!client.publish("bench/iotgw", payload, iotgw::bridge::mqtt::packet::Qos::at_least_once,
                          false, done)) {
        break;
      }
      ++sent;
    }
  };
  client.on_state([&](const iotgw::bridge::mqtt::io::ConnectionEvent& change) {
    if (change.connected && sent == 0) {
      started = Clock::now();
      pump();
    }
  });
  const double cpu_before = cpu_seconds(RUSAGE_SELF);
  client.start();
  io.run();
  const double cpu = cpu_seconds(RUSAGE_SELF) - cpu_before;
  if (acked != options.messages || failed != 0) {
    std::fprintf(stderr, "iotgw: %ld of %ld acknowledged, %ld failed\n", acked, options.messages,
                 failed);
    std::exit(1);
  }
  const double seconds = std::chrono::duration<double>(finished - started).count();
  const double rate = static_cast<double>(options.messages) / seconds;
  std::printf("iotgw  qos1 %ld msgs in %.3f s = %.0f msg/s (%llu bytes out, %llu in)\n",
              options.messages, seconds, rate,
              static_cast<unsigned long long>(client.counters().bytes_out),
              static_cast<unsigned long long>(client.counters().bytes_in));
  std::printf("  client CPU %.2f s\n", cpu);
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  spdlog::set_level(spdlog::level::warn);
  MosquittoBroker broker;
  broker.start();
  const std::string n = std::to_string(options.messages);
  const std::string size = std::to_string(options.payload);
  const std::string window = std::to_string(options.inflight);
  std::printf("%s%ld QoS 1 messages of %d bytes, in-flight window %d, Mosquitto on 127.0.0.1:%u\n",
              options.version == MqttVersion::v5 ? "MQTT 5: " : "", options.messages,
              options.payload, options.inflight, broker.port());

  std::optional<double> raw;
  std::optional<double> paho;
  if (options.run_anchors) {
    const std::string port = std::to_string(broker.port());
    raw = run_anchor(options.anchors / "raw_ceiling.c", "", broker.dir() / "raw_ceiling",
                     "127.0.0.1 " + port + " " + n + " " + size + " " + window);
    const std::filesystem::path paho_source = options.version == MqttVersion::v5
                                                  ? repository_anchors() / "paho_bench_v5.c"
                                                  : options.anchors / "paho_bench.c";
    paho = run_anchor(paho_source, "-lpaho-mqtt3as", broker.dir() / paho_source.stem(),
                      "tcp://127.0.0.1:" + port + " " + n + " " + size + " " + window);
  }
  const double ours = run_iotgw(broker, options);
  if (paho && *paho > 0) {
    std::printf("iotgw / paho = %.2fx (target >= 2x)\n", ours / *paho);
  }
  if (raw && *raw > 0) {
    std::printf("iotgw / raw ceiling%s = %.0f%% (target >= 70%%)\n",
                options.version == MqttVersion::v5 ? " (MQTT 3.1.1)" : "", 100.0 * ours / *raw);
  }
  return 0;
}
