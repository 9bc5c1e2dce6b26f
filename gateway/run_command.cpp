#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "gateway/app.hpp"
#include "gateway/commands.hpp"
#include "gateway/logging.hpp"
#include "gateway/systemd_notify.hpp"
#include "gateway/version.hpp"

namespace iotgw {

int run_command(const std::filesystem::path& file, std::optional<config::LogLevel> log_level) {
  const std::optional<config::Config> config = load_and_report(file);
  if (!config) {
    return 1;
  }
  setup_logging(log_level.value_or(config->gateway.log_level));

  boost::asio::io_context io;
  boost::asio::signal_set stop_signals(io, SIGTERM, SIGINT);
  spdlog::info("iotgw {} starting as {} with {}", version, config->gateway.id, file.string());
  App app(io, *config);
  int status = 0;
  // The watchdog is fed from the event loop, so a stuck loop stops feeding it.
  boost::asio::steady_timer watchdog(io);
  std::function<void(std::chrono::microseconds)> keep_watchdog_fed =
      [&](std::chrono::microseconds interval) {
        notify_watchdog();
        const App::Counters& counters = app.counters();
        notify_status(fmt::format("{}; {} in the queue; {} readings, {} dropped",
                                  app.connected() ? "connected" : "not connected",
                                  app.queue_depth(), counters.readings, counters.dropped));
        watchdog.expires_after(interval);
        watchdog.async_wait([&, interval](const boost::system::error_code& cancelled) {
          if (!cancelled) {
            keep_watchdog_fed(interval);
          }
        });
      };
  app.start([&](const std::string& failure) {
    if (!failure.empty()) {
      spdlog::error("{}", failure);
      status = 1;
      io.stop();
      return;
    }
    spdlog::info("store {} open; polling {} buses", config->store.path.string(),
                 config->buses.size());
    notify_ready("polling " + std::to_string(config->buses.size()) + " buses");
    if (const auto interval = watchdog_interval()) {
      keep_watchdog_fed(*interval);
    }
  });
  stop_signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (error) {
      return;
    }
    spdlog::info("signal {} received, stopping", signal);
    notify_stopping();
    watchdog.cancel();
    app.stop([&] {
      const App::Counters& counters = app.counters();
      spdlog::info("stopped: {} readings, {} queued, {} dropped", counters.readings,
                   counters.queued, counters.dropped);
      io.stop();
    });
  });
  io.run();
  return status;
}

}  // namespace iotgw
