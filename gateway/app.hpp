// The running gateway: every bus's driver; readings turned into telemetry
// messages (after report by exception) and appended to the durable store; the
// forwarder draining the store through the MQTT client; commands from the
// command topic dispatched to the buses with a result for each; the retained
// online/offline status and the metrics message.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bridge/forwarder/forwarder.hpp"
#include "bridge/forwarder/mqtt_publisher.hpp"
#include "bridge/mqtt/client.hpp"
#include "bridge/store/store.hpp"
#include "config/config.hpp"
#include "drivers/line/line_bus.hpp"
#include "drivers/modbus_bus/modbus_bus.hpp"
#include "gateway/command_parser.hpp"
#include "gateway/report_filter.hpp"
#include "gateway/telemetry.hpp"

namespace iotgw {

class App {
 public:
  struct Counters {
    std::uint64_t readings = 0;    // from every bus
    std::uint64_t suppressed = 0;  // held back by report by exception
    std::uint64_t queued = 0;      // accepted by the store
    std::uint64_t dropped = 0;     // refused by the store (full, by policy)
    std::uint64_t commands = 0;    // command messages received
    std::uint64_t refused = 0;     // commands refused before reaching a bus
  };

  // The configuration must outlive the App.
  App(boost::asio::io_context& io, const config::Config& config);

  // Opens the store, then starts the buses, the uplink and the forwarder; calls
  // ready with an error message (empty on success) once the store is open.
  void start(std::function<void(std::string)> ready);
  // Stops polling, publishes "offline", disconnects, commits the store, then calls done.
  void stop(std::function<void()> done);

  const Counters& counters() const { return counters_; }
  bool connected() const { return client_.connected(); }
  std::uint64_t queue_depth() const { return store_.counters().rows; }

 private:
  void start_buses();
  void on_reading(const drivers::Reading& reading);
  void on_connection(const mqtt::connection_event& event);
  void on_command(const mqtt::publish& message);
  void publish_direct(const std::string& topic, std::string payload, mqtt::qos level, bool retain,
                      std::function<void()> done = {});
  void publish_metrics();
  std::string metrics_json() const;

  boost::asio::io_context& io_;
  const config::Config& config_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  Telemetry telemetry_;
  ReportFilter filter_;
  CommandParser commands_;
  store::Store store_;
  mqtt::client client_;
  bridge::MqttPublisher publisher_;
  bridge::Forwarder forwarder_;
  std::vector<std::unique_ptr<drivers::LineBus>> line_buses_;
  std::vector<std::unique_ptr<drivers::ModbusBus>>
      modbus_buses_;  // by bus index; null for line buses
  boost::asio::steady_timer metrics_timer_;
  boost::asio::steady_timer stop_timer_;
  Counters counters_;
};

}  // namespace iotgw
