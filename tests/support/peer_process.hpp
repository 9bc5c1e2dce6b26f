// A test peer in its own process (the pymodbus simulator, a misbehaving
// device): started with its stdout on a pipe, considered ready once it prints
// "ready", and its further output lines kept for the test to inspect.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <sys/types.h>
#include <thread>
#include <vector>

namespace iotgw::test {

class PeerProcess {
 public:
  PeerProcess() = default;
  ~PeerProcess();
  PeerProcess(const PeerProcess&) = delete;
  PeerProcess& operator=(const PeerProcess&) = delete;

  // Starts argv and waits for its "ready" line; throws if it exits or times out.
  void start(std::vector<std::string> argv,
             std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Ends it with SIGTERM and waits for it.
  void stop();

  // The lines printed after "ready", so far.
  std::vector<std::string> lines() const;

 private:
  void read_output(int fd);

  pid_t pid_ = -1;
  std::thread reader_;
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
  bool ready_ = false;
  bool ended_ = false;
};

// The pymodbus device simulator's command line (tests/sim/modbus_sim.py).
std::vector<std::string> modbus_simulator(std::vector<std::string> arguments);

}  // namespace iotgw::test
