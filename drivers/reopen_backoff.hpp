// How long a bus waits before reopening a port or reconnecting: quickly after a
// glitch, doubling up to a ceiling for a cable that stays unplugged.
#pragma once

#include <algorithm>
#include <chrono>

namespace iotgw::drivers {

class ReopenBackoff {
 public:
  static constexpr std::chrono::milliseconds first{500};
  static constexpr std::chrono::milliseconds last{30'000};

  // The pause before the next attempt; each call doubles the one after.
  std::chrono::milliseconds next() {
    const std::chrono::milliseconds pause = pause_;
    pause_ = std::min(pause_ * 2, last);
    return pause;
  }
  // After a port worked again.
  void reset() { pause_ = first; }

 private:
  std::chrono::milliseconds pause_ = first;
};

}  // namespace iotgw::drivers
