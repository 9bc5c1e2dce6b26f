// The running gateway: every bus's driver, the readings they emit turned into
// telemetry messages (after report by exception) and appended to the durable
// store. The MQTT uplink that drains the store joins here when it is built.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "bridge/store/store.hpp"
#include "config/config.hpp"
#include "drivers/line/line_bus.hpp"
#include "drivers/modbus_bus/modbus_bus.hpp"
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
  };

  // The configuration must outlive the App.
  App(boost::asio::io_context& io, const config::Config& config);

  // Opens the store, then starts the buses; calls ready (with an error message,
  // empty on success) once the store is open.
  void start(std::function<void(std::string)> ready);
  // Stops polling, commits what the store holds pending, then calls done.
  void stop(std::function<void()> done);

  const Counters& counters() const { return counters_; }

 private:
  void on_reading(const drivers::Reading& reading);

  boost::asio::io_context& io_;
  const config::Config& config_;
  Telemetry telemetry_;
  ReportFilter filter_;
  store::Store store_;
  std::vector<std::unique_ptr<drivers::LineBus>> line_buses_;
  std::vector<std::unique_ptr<drivers::ModbusBus>> modbus_buses_;
  Counters counters_;
};

}  // namespace iotgw
