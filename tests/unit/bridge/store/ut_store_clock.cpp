// Readings taken before the wall clock was synchronised: held in the queue,
// never overtaken, and released either corrected from the boot clock or
// marked unsynchronised (telemetry.clock_hold, or an earlier boot).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "bridge/store/queue_core.hpp"
#include "tests/unit/bridge/store/store_test_support.hpp"

namespace iotgw::bridge::store::test {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;

// Stands in for the gateway's payload rewrite: the payload says what it got.
void restamp(Message& message, std::optional<system_clock::time_point> corrected) {
  std::string text = number_of(message) >= 0 ? std::to_string(number_of(message)) : "";
  if (corrected) {
    message.enqueued = *corrected;
    text += " at " + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        corrected->time_since_epoch())
                                        .count());
  } else {
    text += " unsynced";
  }
  message.payload.assign(text.begin(), text.end());
}

CoreOptions in_boot(const std::string& boot_id) {
  CoreOptions options;
  options.boot_id = boot_id;
  options.restamp = restamp;
  return options;
}

// Message n, taken `boot_time` after boot; held when the clock was not right.
Message taken(int n, std::chrono::nanoseconds boot_time, bool held) {
  Message m = numbered(n);
  m.boot_time = boot_time;
  m.clock = held ? WallClock::held : WallClock::synchronised;
  return m;
}

std::vector<std::string> payloads(const std::vector<Message>& messages) {
  std::vector<std::string> out;
  for (const Message& m : messages) {
    out.emplace_back(m.payload.begin(), m.payload.end());
  }
  return out;
}

std::vector<int> numbers(const std::vector<Message>& messages) {
  std::vector<int> out;
  for (const Message& m : messages) {
    out.push_back(number_of(m));
  }
  return out;
}

TEST(StoreClock, HeldMessagesAreNotHandedOutAndNothingOvertakesThem) {
  TempDir dir;
  QueueCore core(store_config(dir), in_boot("boot-a"));
  core.enqueue(taken(0, 1s, false));
  core.enqueue(taken(1, 2s, true));
  core.commit();
  core.enqueue(taken(2, 3s, true));
  core.enqueue(taken(3, 4s, false));  // after a held one: it waits behind it
  EXPECT_EQ(numbers(core.fetch(100)), (std::vector<int>{0}));
  EXPECT_EQ(core.held(), 2u);
  EXPECT_EQ(core.counters().clock_held, 2u);
}

// The wall clock turned right 100 s after boot, reading 1,800,000,000 s: a
// reading taken 2 s after boot was taken at 1,799,999,902 s.
TEST(StoreClock, SynchronisationCorrectsEveryHeldMessageFromTheBootClock) {
  TempDir dir;
  QueueCore core(store_config(dir), in_boot("boot-a"));
  core.enqueue(taken(1, 2s, true));
  core.enqueue(taken(2, 3s, true));
  core.commit();                         // written
  core.enqueue(taken(3, 4500ms, true));  // not yet
  const std::chrono::nanoseconds wall_minus_boot = 1'800'000'000s - 100s;
  EXPECT_EQ(core.release_held({.wall_minus_boot = wall_minus_boot}), 3u);
  const std::vector<Message> out = core.fetch(100);
  EXPECT_EQ(payloads(out), (std::vector<std::string>{"1 at 1799999902000", "2 at 1799999903000",
                                                     "3 at 1799999904500"}));
  EXPECT_EQ(out[0].enqueued, system_clock::time_point(1'799'999'902s));
  EXPECT_EQ(core.held(), 0u);
  EXPECT_EQ(core.counters().clock_corrected, 3u);
  // Held and enqueued after the release (it was on its way): corrected at once.
  core.enqueue(taken(4, 99s, true));
  EXPECT_EQ(payloads(core.fetch(100)), (std::vector<std::string>{"4 at 1799999999000"}));
  core.commit();
  core.rewind();
  EXPECT_EQ(payloads(core.fetch(100)),
            (std::vector<std::string>{"1 at 1799999902000", "2 at 1799999903000",
                                      "3 at 1799999904500", "4 at 1799999999000"}));
}

// telemetry.clock_hold: the readings held longer go out as they are, marked;
// the younger ones wait on, and so does everything after them.
TEST(StoreClock, TheHoldRunningOutReleasesTheOlderOnesMarked) {
  TempDir dir;
  QueueCore core(store_config(dir), in_boot("boot-a"));
  core.enqueue(taken(1, 1s, true));
  core.enqueue(taken(2, 2s, true));
  core.commit();
  core.enqueue(taken(3, 3s, true));
  core.enqueue(taken(4, 4s, true));
  EXPECT_EQ(core.release_held({.wall_minus_boot = std::nullopt, .taken_before = 2500ms}), 2u);
  EXPECT_EQ(payloads(core.fetch(100)), (std::vector<std::string>{"1 unsynced", "2 unsynced"}));
  EXPECT_EQ(core.held(), 2u);
  EXPECT_EQ(core.release_held({.wall_minus_boot = std::nullopt, .taken_before = 3500ms}), 1u);
  EXPECT_EQ(payloads(core.fetch(100)), (std::vector<std::string>{"3 unsynced"}));
  // Marked ones are not corrected later; the one still held is.
  EXPECT_EQ(core.release_held({.wall_minus_boot = 1'800'000'000s - 10s}), 1u);
  EXPECT_EQ(payloads(core.fetch(100)), (std::vector<std::string>{"4 at 1799999994000"}));
  EXPECT_EQ(core.counters().clock_unsynchronised, 3u);
  EXPECT_EQ(core.counters().clock_corrected, 1u);
}

// The gateway restarted in the same boot: the boot clock still measures, so
// the held rows wait on to be corrected.
TEST(StoreClock, HeldRowsWaitAcrossARestartInTheSameBoot) {
  TempDir dir;
  {
    QueueCore core(store_config(dir), in_boot("boot-a"));
    core.append(std::vector<Message>{taken(1, 5s, true), taken(2, 6s, true)});
  }
  QueueCore core(store_config(dir), in_boot("boot-a"));
  EXPECT_TRUE(core.fetch(100).empty());
  EXPECT_EQ(core.held(), 2u);
  EXPECT_EQ(core.release_held({.wall_minus_boot = 1'800'000'000s}), 2u);
  EXPECT_EQ(payloads(core.fetch(100)),
            (std::vector<std::string>{"1 at 1800000005000", "2 at 1800000006000"}));
}

// A reboot between the readings and the clock: their boot clock is gone, so
// they go out at once with the time they had, marked; this boot's wait.
TEST(StoreClock, HeldRowsOfAnEarlierBootGoOutMarkedAtOpen) {
  TempDir dir;
  {
    QueueCore core(store_config(dir), in_boot("boot-a"));
    core.append(std::vector<Message>{taken(1, 5s, true), taken(2, 6s, true)});
  }
  QueueCore core(store_config(dir), in_boot("boot-b"));
  EXPECT_EQ(core.counters().clock_unsynchronised, 2u);
  core.append(std::vector<Message>{taken(3, 1s, true)});
  EXPECT_EQ(payloads(core.fetch(100)), (std::vector<std::string>{"1 unsynced", "2 unsynced"}));
  EXPECT_EQ(core.held(), 1u);
  EXPECT_EQ(core.release_held({.wall_minus_boot = 1'800'000'000s}), 1u);
  EXPECT_EQ(payloads(core.fetch(100)), (std::vector<std::string>{"3 at 1800000001000"}));
}

// The bytes a row counts change with its payload.
TEST(StoreClock, ARestampedRowCountsItsNewSize) {
  TempDir dir;
  QueueCore core(store_config(dir), in_boot("boot-a"));
  core.append(std::vector<Message>{taken(1, 5s, true)});
  const Message before = taken(1, 5s, true);
  EXPECT_EQ(core.counters().bytes, before.size());
  core.release_held({.wall_minus_boot = std::nullopt, .taken_before = 10s});
  EXPECT_EQ(core.counters().bytes, before.topic.size() + std::string("1 unsynced").size());
}

// A queue written before the clock columns gets them in place; its rows count
// as stamped on a synchronised clock.
TEST(StoreClock, AQueueWithoutTheClockColumnsIsGivenThem) {
  TempDir dir;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() / "queue.db").c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  ASSERT_EQ(
      sqlite3_exec(
          db,
          "PRAGMA auto_vacuum = INCREMENTAL;"
          "PRAGMA journal_mode = WAL;"
          "CREATE TABLE messages(seq INTEGER PRIMARY KEY, enqueued INTEGER NOT NULL, qos INTEGER "
          "NOT NULL, retain INTEGER NOT NULL, size INTEGER NOT NULL, topic TEXT NOT NULL, payload "
          "BLOB NOT NULL, backfill INTEGER NOT NULL DEFAULT 0);"
          "CREATE TABLE meta(id INTEGER PRIMARY KEY CHECK (id = 1), last_seq INTEGER NOT NULL);"
          "INSERT INTO meta VALUES(1, 1);"
          "INSERT INTO messages VALUES(1, 1700000000000, 1, 0, 5, 'a/b', x'7B7D', 0);"
          "PRAGMA user_version = 1;",
          nullptr, nullptr, &error),
      SQLITE_OK)
      << error;
  sqlite3_close(db);
  QueueCore core(store_config(dir), in_boot("boot-a"));
  EXPECT_EQ(core.counters().recoveries, 0u);
  core.append(std::vector<Message>{taken(7, 1s, true)});
  const std::vector<Message> out = core.fetch(100);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].topic, "a/b");
  EXPECT_EQ(core.held(), 1u);
}

}  // namespace
}  // namespace iotgw::bridge::store::test
