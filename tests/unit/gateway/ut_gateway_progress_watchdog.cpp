#include <gtest/gtest.h>

#include "gateway/progress_watchdog.hpp"

namespace iotgw::gateway {
namespace {

using namespace std::chrono_literals;
using Sample = ProgressWatchdog::Sample;

// A fake clock: a time point that tests move by hand.
class ProgressWatchdogTest : public ::testing::Test {
 protected:
  ProgressWatchdog watchdog_{20s, 60s};
  ProgressWatchdog::TimePoint now_{};

  // Checks a sample taken now, after `elapsed` more time.
  ProgressWatchdog::Verdict after(ProgressWatchdog::Duration elapsed, Sample sample) {
    now_ += elapsed;
    sample.now = now_;
    return watchdog_.check(sample);
  }
};

TEST_F(ProgressWatchdogTest, AnIdlePipelineIsHealthy) {
  for (int tick = 0; tick < 100; ++tick) {
    EXPECT_TRUE(after(15s, {}).healthy);
  }
}

TEST_F(ProgressWatchdogTest, AStoreRequestAnsweredWithinTheLimitIsHealthy) {
  const auto asked = now_;
  EXPECT_TRUE(after(15s, {.oldest_store_request = asked}).healthy);
  EXPECT_TRUE(after(5s, {.oldest_store_request = asked}).healthy);
  EXPECT_TRUE(after(15s, {.oldest_store_request = now_}).healthy);  // answered; a new one waits
}

TEST_F(ProgressWatchdogTest, AStoreRequestUnansweredPastTheLimitStopsTheFeed) {
  const auto asked = now_;
  EXPECT_TRUE(after(15s, {.oldest_store_request = asked}).healthy);
  const auto verdict = after(6s, {.oldest_store_request = asked});
  EXPECT_FALSE(verdict.healthy);
  EXPECT_EQ(verdict.reason, "the store has not answered a request for 21.0 s");
  // Once answered, it is fed again.
  EXPECT_TRUE(after(1s, {}).healthy);
}

TEST_F(ProgressWatchdogTest, ABrokerThatIsDownIsNotAStall) {
  // Rows pile up while the client cannot connect: hours of it are no stall.
  for (std::uint64_t tick = 0; tick < 1000; ++tick) {
    EXPECT_TRUE(after(15s, {.connected = false, .queued_rows = 10 + tick}).healthy);
  }
}

TEST_F(ProgressWatchdogTest, AConnectedForwarderThatKeepsMovingIsHealthy) {
  for (std::uint64_t tick = 0; tick < 100; ++tick) {
    EXPECT_TRUE(
        after(15s, {.connected = true, .queued_rows = 5000, .forwarded = tick, .connections = 1})
            .healthy);
  }
}

TEST_F(ProgressWatchdogTest, AConnectedForwarderThatDoesNotMoveStopsTheFeed) {
  const Sample stuck{.connected = true, .queued_rows = 50, .forwarded = 7, .connections = 1};
  EXPECT_TRUE(after(15s, stuck).healthy);  // first sight: the counters moved from zero
  EXPECT_TRUE(after(15s, stuck).healthy);  // the wait starts here
  EXPECT_TRUE(after(60s, stuck).healthy);  // at the limit, not past it
  const auto verdict = after(1s, stuck);
  EXPECT_FALSE(verdict.healthy);
  EXPECT_EQ(verdict.reason,
            "connected with 50 rows queued, the forwarder has not moved for 61.0 s");
  Sample moved = stuck;
  moved.forwarded = 8;
  EXPECT_TRUE(after(15s, moved).healthy);
}

// Readings held for the wall clock (telemetry.clock_hold, ten minutes by
// default) cannot move: waiting for them is no stall.
TEST_F(ProgressWatchdogTest, RowsHeldForTheClockAreNothingOwed) {
  const Sample held{
      .connected = true, .queued_rows = 600, .held_rows = 600, .forwarded = 7, .connections = 1};
  for (int tick = 0; tick < 100; ++tick) {
    EXPECT_TRUE(after(15s, held).healthy);
  }
  Sample stuck = held;
  stuck.queued_rows = 601;  // one row the forwarder could send, and does not
  EXPECT_TRUE(after(15s, stuck).healthy);
  EXPECT_FALSE(after(61s, stuck).healthy);
}

TEST_F(ProgressWatchdogTest, NothingQueuedIsNothingOwed) {
  const Sample idle{.connected = true, .queued_rows = 0, .forwarded = 7, .connections = 1};
  for (int tick = 0; tick < 100; ++tick) {
    EXPECT_TRUE(after(15s, idle).healthy);
  }
}

TEST_F(ProgressWatchdogTest, ANewConnectionOrADisconnectStartsTheWaitAfresh) {
  Sample sample{.connected = true, .queued_rows = 50, .forwarded = 7, .connections = 1};
  EXPECT_TRUE(after(15s, sample).healthy);
  EXPECT_TRUE(after(50s, sample).healthy);
  sample.connections = 2;  // reconnected between two checks: in-flight messages go out again
  EXPECT_TRUE(after(15s, sample).healthy);
  EXPECT_TRUE(after(50s, sample).healthy);
  sample.connected = false;
  EXPECT_TRUE(after(15s, sample).healthy);
  sample.connected = true;
  EXPECT_TRUE(after(15s, sample).healthy);
  EXPECT_TRUE(after(60s, sample).healthy);
  EXPECT_FALSE(after(1s, sample).healthy);
}

}  // namespace
}  // namespace iotgw::gateway
