#include "tests/bench/gateway/gateway_process.hpp"

#include <signal.h>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "tests/support/spawn.hpp"

namespace iotgw::bench {

GatewayProcess::GatewayProcess(const std::filesystem::path& binary,
                               const std::filesystem::path& config,
                               const std::filesystem::path& log)
    : pid_(iotgw::test::spawn_logged({binary.string(), "run", "-c", config.string()}, log)),
      log_(log) {
  if (pid_ < 0) {
    throw std::runtime_error("cannot start " + binary.string());
  }
}

GatewayProcess::~GatewayProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
  }
}

bool GatewayProcess::running() {
  if (pid_ > 0 && ::waitpid(pid_, &status_, WNOHANG) == pid_) {
    pid_ = -1;
  }
  return pid_ > 0;
}

int GatewayProcess::stop(std::chrono::milliseconds timeout) {
  if (running()) {
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status_, 0);
        pid_ = -1;
        return -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
}

}  // namespace iotgw::bench
