// How long the client waits before the next connection attempt: exponential
// growth between reconnect_min and reconnect_max with full jitter, so a fleet
// of gateways that lost the same broker does not reconnect in lockstep.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace iotgw::mqtt {

class backoff {
 public:
  backoff(std::chrono::milliseconds min, std::chrono::milliseconds max, std::uint64_t seed);

  // A pause drawn uniformly from [min, ceiling]; the ceiling doubles after
  // each call, from min up to max.
  std::chrono::milliseconds next();

  // After a broker accepted a connection: the next pause is short again.
  void reset() noexcept { ceiling_ = min_; }

  std::chrono::milliseconds ceiling() const noexcept { return ceiling_; }

 private:
  std::chrono::milliseconds min_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds ceiling_;
  std::mt19937_64 random_;
};

}  // namespace iotgw::mqtt
