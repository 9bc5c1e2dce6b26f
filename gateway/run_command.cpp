#include <malloc.h>

#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include "gateway/commands.hpp"
#include "gateway/logging.hpp"
#include "gateway/service.hpp"
#include "gateway/version.hpp"

namespace iotgw::gateway {

int run_command(const std::filesystem::path& file, std::optional<config::LogLevel> log_level) {
  // One malloc arena for the io thread and the store thread: malloc_trim does
  // not give back the top of a thread's own arena, so the store thread's kept
  // the peak of every poll burst and drain (10,000 points: 7.2 MiB of heap at
  // rest, 3.6 MiB with one arena). Two threads hardly contend, and each keeps
  // its own tcache.
  ::mallopt(M_ARENA_MAX, 1);
  std::optional<config::Config> config = load_and_report(file);
  if (!config) {
    return 1;
  }
  setup_logging(log_level.value_or(config->gateway.log_level));
  const std::string id = config->gateway.id;
  // The service's signal handlers exist from here on: a signal that comes once
  // "starting" is logged is handled, not fatal.
  boost::asio::io_context io;
  Service service(io, file, std::move(*config), log_level);
  spdlog::info("iotgw {} starting as {} with {}", version, id, file.string());
  service.start();
  io.run();
  return service.exit_status();
}

}  // namespace iotgw::gateway
