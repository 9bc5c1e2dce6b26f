// The real iotgw binary as a child process: `iotgw run -c CONFIG` with its
// output in a log file, stopped with SIGTERM as systemd stops it.
#pragma once

#include <chrono>
#include <filesystem>
#include <sys/types.h>

namespace iotgw::bench {

class GatewayProcess {
 public:
  // Starts it; throws if it cannot be started.
  GatewayProcess(const std::filesystem::path& binary, const std::filesystem::path& config,
                 const std::filesystem::path& log);
  // Kills it if it still runs.
  ~GatewayProcess();
  GatewayProcess(const GatewayProcess&) = delete;
  GatewayProcess& operator=(const GatewayProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::filesystem::path& log() const { return log_; }
  // Whether it is still running (it has not exited on its own).
  bool running();
  // SIGTERM, then waits up to `timeout` for the exit (SIGKILL after that);
  // its exit status, or -1 when it had to be killed or died of a signal.
  int stop(std::chrono::milliseconds timeout = std::chrono::seconds(20));

 private:
  pid_t pid_ = -1;
  std::filesystem::path log_;
  int status_ = 0;
};

}  // namespace iotgw::bench
