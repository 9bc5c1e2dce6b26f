#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "gateway/commands.hpp"
#include "gateway/logging.hpp"
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
  stop_signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (!error) {
      spdlog::info("signal {} received, stopping", signal);
      io.stop();
    }
  });
  io.run();
  spdlog::info("stopped");
  return 0;
}

}  // namespace iotgw
