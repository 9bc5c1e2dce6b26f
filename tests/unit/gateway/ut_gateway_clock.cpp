// The wall clock on a board without one: ClockWatch deciding what held
// readings become, on a fake clock, and the payloads stamped anew.
#include <gtest/gtest.h>

#include "bridge/store/queue_core.hpp"
#include "gateway/clock_watch.hpp"
#include "gateway/telemetry.hpp"
#include "tests/support/temp_dir.hpp"

namespace iotgw::gateway {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;

// A board's clocks, moved by hand: the wall clock can be stepped, the boot
// clock only advances.
struct FakeBoard {
  system_clock::time_point wall = system_clock::time_point(1'600'000'000s);  // 2020: wrong
  std::chrono::nanoseconds boot = 5s;
  bool synchronised = false;

  void advance(std::chrono::nanoseconds by) {
    wall += std::chrono::duration_cast<system_clock::duration>(by);
    boot += by;
  }
  ClockWatch::Sources sources() {
    return {.synchronised = [this] { return synchronised; },
            .wall = [this] { return wall; },
            .boot = [this] { return drivers::BootClock::time_point(boot); }};
  }
};

TEST(ClockWatch, UntilSynchronisedItReleasesOnlyWhatWasHeldLongerThanTheHold) {
  FakeBoard board;
  ClockWatch watch(board.sources(), 10min);
  board.advance(15min);
  const auto release = watch.check();
  ASSERT_TRUE(release);
  EXPECT_FALSE(release->wall_minus_boot);
  EXPECT_EQ(release->taken_before, 5s + 15min - 10min);
  EXPECT_FALSE(watch.trusted());
}

TEST(ClockWatch, ANoHoldReleasesEverythingHeldAtOnce) {
  FakeBoard board;
  ClockWatch watch(board.sources(), 0s);
  EXPECT_FALSE(watch.holds());
  EXPECT_EQ(watch.check()->taken_before, 5s);
}

// The wall clock is stepped back (the board booted with a saved time from the
// future), then NTP says it is right: readings from before the step are
// corrected by the boot clock, not by the wall times they had.
TEST(ClockWatch, ABackwardStepBeforeSynchronisationStillCorrectsByTheBootClock) {
  FakeBoard board;
  board.wall = system_clock::time_point(2'000'000'000s);  // 2033
  ClockWatch watch(board.sources(), 10min);
  EXPECT_TRUE(watch.check());
  const std::chrono::nanoseconds reading_boot_time = board.boot;  // a reading taken now
  board.advance(20s);
  board.wall = system_clock::time_point(1'800'000'000s);  // stepped back to the truth
  board.advance(30s);
  board.synchronised = true;
  const auto release = watch.check();
  ASSERT_TRUE(release && release->wall_minus_boot);
  EXPECT_TRUE(watch.trusted());
  EXPECT_EQ(watch.trusted_since(), system_clock::time_point(1'800'000'030s));
  // Taken 50 s before the synchronised 1,800,000,030 s.
  EXPECT_EQ(reading_boot_time + *release->wall_minus_boot, 1'799'999'980s);
  EXPECT_FALSE(watch.check());  // trusted from now on, whatever the kernel says
  board.synchronised = false;
  EXPECT_FALSE(watch.check());
  EXPECT_TRUE(watch.trusted());
}

bridge::store::Message json_message(const std::string& payload) {
  bridge::store::Message message;
  message.payload.assign(payload.begin(), payload.end());
  return message;
}

std::string text(const bridge::store::Message& message) {
  return {message.payload.begin(), message.payload.end()};
}

TEST(Restamp, ACorrectedReadingGetsItsTrueTimeInTsAndInTheQueue) {
  auto message = json_message(
      R"j({"ts":"1970-01-01T00:00:42.000Z","value":1,"quality":"good","backfill":true})j");
  const auto truth = system_clock::time_point(1795633200s + 123ms);
  restamp(config::PayloadFormat::json, message, truth);
  EXPECT_EQ(text(message),
            R"j({"ts":"2026-11-25T19:00:00.123Z","value":1,"quality":"good","backfill":true})j");
  EXPECT_EQ(message.enqueued, truth);
}

TEST(Restamp, AnUncorrectedReadingKeepsItsTimeAndIsMarked) {
  auto message = json_message(R"j({"ts":"1970-01-01T00:00:42.000Z","values":{"a":{}}})j");
  restamp(config::PayloadFormat::device_json, message, std::nullopt);
  EXPECT_EQ(text(message),
            R"j({"ts":"1970-01-01T00:00:42.000Z","values":{"a":{}},"clock":"unsynced"})j");
}

TEST(Restamp, PayloadsWithoutATimeAreLeftAlone) {
  EXPECT_FALSE(carries_time(config::PayloadFormat::value));
  auto message = json_message("23.5");
  restamp(config::PayloadFormat::value, message, std::nullopt);
  EXPECT_EQ(text(message), "23.5");
  auto odd = json_message(R"j({"v":1})j");
  restamp(config::PayloadFormat::json, odd, system_clock::time_point(1795633200s));
  EXPECT_EQ(text(odd), R"j({"v":1})j");
}

// The two together, through the queue: a reading held before a backward step
// comes out at its true time.
TEST(ClockWatch, HeldReadingsLeaveTheQueueAtTheirTrueTime) {
  test::TempDir dir;
  config::Store cfg;
  cfg.path = dir.path() / "queue.db";
  bridge::store::CoreOptions options;
  options.boot_id = "boot-a";
  options.restamp = [](bridge::store::Message& m, std::optional<system_clock::time_point> t) {
    restamp(config::PayloadFormat::json, m, t);
  };
  bridge::store::QueueCore core(cfg, options);
  FakeBoard board;
  ClockWatch watch(board.sources(), 10min);
  bridge::store::Message held =
      json_message(R"j({"ts":"2020-09-13T12:26:40.000Z","value":1,"quality":"good"})j");
  held.topic = "t";
  held.clock = bridge::store::WallClock::held;
  held.boot_time = board.boot;
  core.enqueue(held);
  core.release_held(*watch.check());
  EXPECT_TRUE(core.fetch(10).empty());
  board.advance(65s);
  board.wall = system_clock::time_point(1795633265s);
  board.synchronised = true;
  core.release_held(*watch.check());
  const std::vector<bridge::store::Message> out = core.fetch(10);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(text(out[0]), R"j({"ts":"2026-11-25T19:00:00.000Z","value":1,"quality":"good"})j");
}

}  // namespace
}  // namespace iotgw::gateway
