#include "bridge/mqtt/repeat_limiter.hpp"

namespace iotgw::bridge::mqtt {

RepeatLimiter::Verdict RepeatLimiter::check(std::string_view reason, Clock::time_point now) {
  const bool same = last_logged_ && reason == last_reason_;
  if (same && now - *last_logged_ < interval_) {
    ++held_back_;
    return {false, 0};
  }
  const std::uint64_t held_back = held_back_;
  last_reason_ = reason;
  last_logged_ = now;
  held_back_ = 0;
  return {true, held_back};
}

void RepeatLimiter::reset() {
  last_reason_.clear();
  last_logged_.reset();
  held_back_ = 0;
}

}  // namespace iotgw::bridge::mqtt
