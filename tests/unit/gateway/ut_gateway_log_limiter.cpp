// The limiter of log lines that peers can cause, on a fake clock.
#include <gtest/gtest.h>

#include "gateway/log_limiter.hpp"

namespace iotgw::gateway {
namespace {

using namespace std::chrono_literals;

TEST(LogLimiter, LetsABurstThroughThenCountsWhatItHoldsBack) {
  LogLimiter limiter(3, 60s);
  const LogLimiter::Clock::time_point t0{};
  for (int i = 0; i < 3; ++i) {
    const LogLimiter::Verdict verdict = limiter.check(t0 + std::chrono::seconds(i));
    EXPECT_TRUE(verdict.log);
    EXPECT_EQ(verdict.held_back, 0U);
  }
  // A flood of a million lines within the interval: none of them is logged.
  for (int i = 0; i < 1'000'000; ++i) {
    ASSERT_FALSE(limiter.check(t0 + 30s).log);
  }
  // The next interval's first line says how many were held back.
  const LogLimiter::Verdict next = limiter.check(t0 + 60s);
  EXPECT_TRUE(next.log);
  EXPECT_EQ(next.held_back, 1'000'000U);
  EXPECT_EQ(held_back_note(next.held_back), " (1000000 similar lines held back)");
  EXPECT_EQ(limiter.check(t0 + 61s).held_back, 0U);
  EXPECT_EQ(held_back_note(0), "");
}

TEST(LogLimiter, StartsAFreshIntervalAfterAQuietSpell) {
  LogLimiter limiter(1, 10s);
  const LogLimiter::Clock::time_point t0{};
  EXPECT_TRUE(limiter.check(t0).log);
  EXPECT_FALSE(limiter.check(t0 + 9s).log);
  EXPECT_TRUE(limiter.check(t0 + 25s).log);
  EXPECT_FALSE(limiter.check(t0 + 34s).log);
  EXPECT_TRUE(limiter.check(t0 + 35s).log);
}

TEST(Loggable, KeepsPeerTextOnOneLineAndShort) {
  EXPECT_EQ(loggable("cmd/boiler/set"), "cmd/boiler/set");
  EXPECT_EQ(loggable("a\nINFO forged line\r\x7f"), "a\\x0AINFO forged line\\x0D\\x7F");
  EXPECT_EQ(loggable(std::string(300, 'x')), std::string(200, 'x') + "…");
  EXPECT_EQ(loggable("abcdef", 3), "abc…");
}

}  // namespace
}  // namespace iotgw::gateway
