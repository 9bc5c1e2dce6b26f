// How long the client waits before the next connection attempt: exponential
// growth between reconnect_min and reconnect_max with full jitter, so a fleet
// of gateways that lost the same broker does not reconnect in lockstep.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace iotgw::bridge::mqtt {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max, std::uint64_t seed);

  // A pause drawn uniformly from [min, ceiling]; the ceiling starts at twice
  // min, so even the first retries of many gateways are spread, and doubles
  // after each call up to max.
  std::chrono::milliseconds next();

  // After a broker accepted a connection: the next pause is short again.
  void reset() noexcept { ceiling_ = first_ceiling(); }

  std::chrono::milliseconds ceiling() const noexcept { return ceiling_; }

 private:
  std::chrono::milliseconds first_ceiling() const noexcept { return std::min(min_ * 2, max_); }

  std::chrono::milliseconds min_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds ceiling_;
  std::mt19937_64 random_;
};

}  // namespace iotgw::bridge::mqtt
