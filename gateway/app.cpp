#include "gateway/app.hpp"

#include <filesystem>
#include <system_error>

#include <spdlog/spdlog.h>

#include "bridge/store/errors.hpp"

namespace iotgw {

App::App(boost::asio::io_context& io, const config::Config& config)
    : io_(io), config_(config), telemetry_(config), store_(io.get_executor(), config.store) {}

void App::start(std::function<void(std::string)> ready) {
  // systemd's StateDirectory= makes it for the service; by hand it may be missing.
  std::error_code error;
  std::filesystem::create_directories(config_.store.path.parent_path(), error);
  if (error) {
    ready("cannot create " + config_.store.path.parent_path().string() + ": " + error.message());
    return;
  }
  store_.async_open([this, ready = std::move(ready)](store::error_code opened) {
    if (opened) {
      ready("cannot open the store " + config_.store.path.string() + ": " + opened.message());
      return;
    }
    const auto sink = [this](const drivers::Reading& reading) { on_reading(reading); };
    for (const config::Bus& bus : config_.buses) {
      if (bus.protocol == config::Protocol::line) {
        line_buses_.push_back(std::make_unique<drivers::LineBus>(io_.get_executor(), bus, sink));
        line_buses_.back()->start();
      } else {
        modbus_buses_.push_back(
            std::make_unique<drivers::ModbusBus>(io_.get_executor(), bus, sink));
        modbus_buses_.back()->start();
      }
    }
    ready("");
  });
}

void App::stop(std::function<void()> done) {
  for (auto& bus : line_buses_) {
    bus->stop();
  }
  for (auto& bus : modbus_buses_) {
    bus->stop();
  }
  store_.async_stop(std::move(done));
}

void App::on_reading(const drivers::Reading& reading) {
  ++counters_.readings;
  if (!filter_.should_publish(reading)) {
    ++counters_.suppressed;
    return;
  }
  std::optional<TelemetryMessage> telemetry = telemetry_.message(reading);
  if (!telemetry) {
    ++counters_.suppressed;
    return;
  }
  store::Message message;
  message.topic = *telemetry->topic;
  message.payload.assign(telemetry->payload.begin(), telemetry->payload.end());
  message.qos = static_cast<std::uint8_t>(config_.mqtt.qos);
  message.enqueued = reading.wall_time;
  store_.async_append(std::move(message), [this](store::error_code error, store::Seq) {
    if (error) {
      ++counters_.dropped;
    } else {
      ++counters_.queued;
    }
  });
}

}  // namespace iotgw
