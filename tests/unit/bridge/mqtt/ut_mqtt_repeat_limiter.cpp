// Repeated connection failures: the first is logged, repeats of the same
// reason are held back until the reminder interval has passed, a new reason is
// logged at once, and a success starts afresh. Time is injected.
#include <gtest/gtest.h>

#include "bridge/mqtt/repeat_limiter.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using namespace std::chrono_literals;
using Clock = RepeatLimiter::Clock;

TEST(MqttRepeatLimiter, HoldsBackRepeatsUntilTheReminderIsDue) {
  RepeatLimiter limiter(10min);
  const Clock::time_point start{};
  EXPECT_TRUE(limiter.check("refused", start).log);
  for (int attempt = 1; attempt <= 9; ++attempt) {
    EXPECT_FALSE(limiter.check("refused", start + attempt * 1min - 1s).log) << attempt;
  }
  const auto reminder = limiter.check("refused", start + 10min);
  EXPECT_TRUE(reminder.log);
  EXPECT_EQ(reminder.held_back, 9u);
  EXPECT_FALSE(limiter.check("refused", start + 11min).log);
}

TEST(MqttRepeatLimiter, LogsANewReasonAtOnceWithTheCountOfTheOldOne) {
  RepeatLimiter limiter(10min);
  const Clock::time_point start{};
  limiter.check("connection refused", start);
  limiter.check("connection refused", start + 1min);
  limiter.check("connection refused", start + 2min);
  const auto changed = limiter.check("unknown CA", start + 3min);
  EXPECT_TRUE(changed.log);
  EXPECT_EQ(changed.held_back, 2u);
  EXPECT_FALSE(limiter.check("unknown CA", start + 4min).log);
}

TEST(MqttRepeatLimiter, ASuccessMakesTheNextFailureNews) {
  RepeatLimiter limiter(10min);
  const Clock::time_point start{};
  limiter.check("refused", start);
  limiter.check("refused", start + 1min);
  limiter.reset();
  const auto after_success = limiter.check("refused", start + 2min);
  EXPECT_TRUE(after_success.log);
  EXPECT_EQ(after_success.held_back, 0u);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
