// Keeps a long outage from filling the journal. While the broker stays
// unreachable the client fails the same way at every attempt (every
// reconnect_max at worst, for days); the operator needs the first failure,
// any change of reason, and a reminder now and then that it is still going
// on, with how many attempts were not logged. Sans-I/O: time comes in.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace iotgw::bridge::mqtt {

class RepeatLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RepeatLimiter(Clock::duration reminder_interval) : interval_(reminder_interval) {}

  // Whether this failure is logged; when it is, how many failures since the
  // previous logged one were held back.
  struct Verdict {
    bool log = false;
    std::uint64_t held_back = 0;
  };
  Verdict check(std::string_view reason, Clock::time_point now);

  // A success: the next failure, whatever its reason, is logged at once.
  void reset();

 private:
  Clock::duration interval_;
  std::string last_reason_;
  std::optional<Clock::time_point> last_logged_;
  std::uint64_t held_back_ = 0;
};

}  // namespace iotgw::bridge::mqtt
