// A pair of connected pseudo-terminals made by a real socat process, standing in
// for a serial cable: the gateway opens one end, a simulated device the other.
// Stopping socat makes both ends vanish, as an unplugged USB adapter does.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <sys/types.h>
#include <thread>

namespace iotgw::test {

class PtyPair {
 public:
  // Links are created as dir/gateway and dir/device.
  explicit PtyPair(std::filesystem::path dir);
  ~PtyPair();
  PtyPair(const PtyPair&) = delete;
  PtyPair& operator=(const PtyPair&) = delete;

  // Starts socat and waits until both links exist.
  void start(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Stops socat and waits until it has exited and the links are gone.
  void stop();

  std::string gateway_side() const { return (dir_ / "gateway").string(); }
  std::string device_side() const { return (dir_ / "device").string(); }

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
};

// Checks condition every few milliseconds until it holds or the timeout passes.
template <class Condition>
bool wait_for(Condition condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace iotgw::test
