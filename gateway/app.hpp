// The running gateway: every bus's driver; readings turned into telemetry
// messages (after report by exception) and appended to the durable store; the
// forwarder draining the store through the MQTT client; commands from the
// command topic dispatched to the buses with a result for each; the retained
// online/offline status and the metrics message. With payload = "device_json"
// a device's readings are held until the bus marks the end of its poll and go
// out as one message. With sparkplug.enabled the uplink speaks Sparkplug B
// instead (SparkplugNode): DDATA per device poll through the same store.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bridge/forwarder/forwarder.hpp"
#include "bridge/forwarder/mqtt_publisher.hpp"
#include "bridge/mqtt/io/client.hpp"
#include "bridge/store/store.hpp"
#include "config/config.hpp"
#include "drivers/line/io/line_bus.hpp"
#include "drivers/modbus/io/modbus_bus.hpp"
#include "gateway/clock_watch.hpp"
#include "gateway/command_parser.hpp"
#include "gateway/device_polls.hpp"
#include "gateway/homeassistant_discovery.hpp"
#include "gateway/log_limiter.hpp"
#include "gateway/progress_watchdog.hpp"
#include "gateway/report_filter.hpp"
#include "gateway/sparkplug_node.hpp"
#include "gateway/status.hpp"
#include "gateway/store_appender.hpp"
#include "gateway/telemetry.hpp"

namespace iotgw::gateway {

class App {
 public:
  struct Counters {
    std::uint64_t readings = 0;         // from every bus
    std::uint64_t suppressed = 0;       // held back by report by exception
    std::uint64_t queued = 0;           // accepted by the store
    std::uint64_t dropped = 0;          // refused by the store (full, by policy)
    std::uint64_t failed = 0;           // of those, for a database error, not a policy
    std::uint64_t commands = 0;         // command messages received
    std::uint64_t refused = 0;          // commands refused before reaching a bus
    std::uint64_t results_dropped = 0;  // results that found the result queue full
  };

  // The configuration must outlive the App. started: when the service
  // started, for the metrics' uptime (an App is replaced on each reload).
  // retired: Home Assistant entities a reload removed, to be cleared.
  App(boost::asio::io_context& io, const config::Config& config,
      std::chrono::steady_clock::time_point started, std::vector<DiscoveryMessage> retired = {});

  // Opens the store, then starts the buses, the uplink and the forwarder; calls
  // ready with an error message (empty on success) once the store is open.
  void start(std::function<void(std::string)> ready);
  // Stops polling, queues what the buses had read, publishes "offline" when
  // goodbye is set, disconnects, commits and closes the store, then calls done
  // once nothing of the App is left running: it may be destroyed from then on
  // (not from within done itself).
  void stop(bool goodbye, std::function<void()> done);

  const Counters& counters() const { return counters_; }
  bool connected() const { return client_.connected(); }
  std::uint64_t queue_depth() const { return store_.counters().rows; }
  // What the watchdog needs to judge whether the pipeline progresses.
  ProgressWatchdog::Sample progress(std::chrono::steady_clock::time_point now) const;
  // Everything but the health, which is the service's to judge.
  Status status() const;

 private:
  void start_buses();
  void stop_buses(std::function<void()> stopped);
  void on_reading(const drivers::Reading& reading);
  void on_poll_end(const config::Device& device);
  void queue_poll(const DevicePolls::Poll& poll);
  void queue(std::string_view topic, std::span<const std::uint8_t> payload,
             const drivers::Reading& taken, bool backfill);
  // Whether readings taken now are part of a backlog.
  bool in_backlog() const;
  void write(const SparkplugWrite& write);
  // Asks the kernel about the wall clock, releases what the store may, and
  // asks again in a second until the clock is right.
  void watch_clock();
  void on_appended(bridge::store::error_code error, std::span<const bridge::store::Seq> seqs);
  void on_connection(const bridge::mqtt::io::ConnectionEvent& event);
  void on_command(const bridge::mqtt::packet::Publish& message);
  // A command's result, QoS 1, in the window's reserved room (bounded queue),
  // with the command's Correlation Data when it had some.
  void publish_result(const std::string& topic, std::string payload,
                      std::vector<std::uint8_t> correlation = {});
  // The retained status on the will's topic, ahead of waiting results.
  void publish_status(std::string_view payload, std::function<void()> done = {});
  void publish_metrics();
  // Home Assistant discovery: every config message (after the removals of a
  // reload), retained, at each connection and whenever Home Assistant comes
  // online; a few at a time, each after the broker took the one before.
  void announce();
  void on_homeassistant_online();
  void publish_discovery();
  std::string metrics_json() const;

  boost::asio::io_context& io_;
  const config::Config& config_;
  const std::chrono::steady_clock::time_point started_;
  Telemetry telemetry_;
  ReportFilter filter_;
  CommandParser commands_;
  bridge::store::Store store_;
  StoreAppender appender_;
  const config::Mqtt uplink_;  // config.mqtt, or what Sparkplug makes of it
  bridge::mqtt::io::Client client_;
  bridge::forwarder::MqttPublisher publisher_;
  bridge::forwarder::Forwarder forwarder_;
  std::unique_ptr<SparkplugNode> sparkplug_;  // with sparkplug.enabled
  std::vector<std::unique_ptr<drivers::line::io::LineBus>> line_buses_;
  std::vector<std::unique_ptr<drivers::modbus::io::ModbusBus>>
      modbus_buses_;  // by bus index; null for line buses
  std::vector<DiscoveryMessage> discovery_;
  std::string homeassistant_status_;  // Home Assistant's birth and will topic
  std::size_t discovery_next_ = 0;
  std::size_t discovery_waiting_ = 0;
  std::chrono::steady_clock::time_point last_announcement_{};
  boost::asio::steady_timer announce_timer_;
  bool announce_timer_armed_ = false;
  ClockWatch clock_;
  bool clock_checked_ = false;
  boost::asio::steady_timer clock_timer_;
  boost::asio::steady_timer metrics_timer_;
  boost::asio::steady_timer stop_timer_;
  DevicePolls polls_;       // device_json only
  LogLimiter command_log_;  // refusals and writes, both caused by command senders
  LogLimiter result_log_;
  Counters counters_;
  // The last reading of each point, and each device's count, for the status.
  struct LastReading {
    std::optional<drivers::Value> value;
    drivers::Quality quality;
    std::chrono::steady_clock::time_point taken;
  };
  struct DeviceReadings {
    std::size_t first_point = 0;  // its points' place in last_readings_
    std::uint64_t count = 0;
  };
  std::unordered_map<const config::Device*, DeviceReadings> device_readings_;
  std::vector<LastReading> last_readings_;
};

}  // namespace iotgw::gateway
