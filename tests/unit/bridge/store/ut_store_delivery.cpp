// store.delivery: the live and backfill lanes, the backlog's pace, and the
// queue handing out live rows before the backlog ("live_first") or every row
// in order ("fifo"); the schema's backfill column, added to older queues.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "bridge/store/backfill_pacer.hpp"
#include "bridge/store/lanes.hpp"
#include "bridge/store/queue_core.hpp"
#include "tests/unit/bridge/store/store_test_support.hpp"

namespace iotgw::bridge::store::test {
namespace {

using namespace std::chrono_literals;

std::vector<Seq> ranges_of(const Lanes& lanes, Lane lane) {
  std::vector<Seq> out;
  for (const Lanes::Range& range : lanes.pending(lane)) {
    out.push_back(range.first);
    out.push_back(range.last);
  }
  return out;
}

TEST(StoreLanes, RowsOfOneLaneInARowMakeOneRun) {
  Lanes lanes;
  for (Seq seq = 1; seq <= 3; ++seq) {
    lanes.add(seq, Lane::live);
  }
  for (Seq seq = 4; seq <= 6; ++seq) {
    lanes.add(seq, Lane::backfill);
  }
  lanes.add(7, Lane::live);
  EXPECT_EQ(ranges_of(lanes, Lane::live), (std::vector<Seq>{1, 3, 7, 7}));
  EXPECT_EQ(ranges_of(lanes, Lane::backfill), (std::vector<Seq>{4, 6}));
}

TEST(StoreLanes, EachLaneHasItsOwnCursor) {
  Lanes lanes;
  lanes.add(1, Lane::backfill);
  lanes.add(2, Lane::backfill);
  lanes.add(3, Lane::live);
  lanes.passed(Lane::live, 3);
  EXPECT_FALSE(lanes.has_pending(Lane::live));
  EXPECT_TRUE(lanes.has_pending(Lane::backfill));
  lanes.passed(Lane::backfill, 1);
  EXPECT_EQ(ranges_of(lanes, Lane::backfill), (std::vector<Seq>{2, 2}));
  lanes.add(4, Lane::backfill);  // a later outage: past the live rows
  EXPECT_EQ(ranges_of(lanes, Lane::backfill), (std::vector<Seq>{2, 2, 4, 4}));
  lanes.rewind();
  EXPECT_EQ(ranges_of(lanes, Lane::live), (std::vector<Seq>{3, 3}));
  EXPECT_EQ(ranges_of(lanes, Lane::backfill), (std::vector<Seq>{1, 2, 4, 4}));
}

TEST(StoreLanes, RunsBelowTheOldestRowAreForgotten) {
  Lanes lanes;
  lanes.add(1, Lane::live);
  lanes.add(2, Lane::backfill);
  lanes.add(3, Lane::backfill);
  lanes.add(4, Lane::live);
  lanes.drop_below(3);
  EXPECT_EQ(ranges_of(lanes, Lane::live), (std::vector<Seq>{4, 4}));
  EXPECT_EQ(ranges_of(lanes, Lane::backfill), (std::vector<Seq>{2, 3}));
}

TEST(BackfillPacer, UnpacedAllowsEverything) {
  BackfillPacer pacer(0);
  EXPECT_FALSE(pacer.paced());
  EXPECT_EQ(pacer.allowance(BackfillPacer::Clock::now()), std::numeric_limits<std::size_t>::max());
}

TEST(BackfillPacer, BurstsATenthOfASecondThenWaitsForTheNextRow) {
  const BackfillPacer::Clock::time_point start{};
  BackfillPacer pacer(50);
  EXPECT_EQ(pacer.allowance(start), 5u);
  pacer.took(5);
  EXPECT_EQ(pacer.allowance(start), 0u);
  EXPECT_EQ(pacer.next(start), start + 20ms);
  EXPECT_EQ(pacer.allowance(start + 19ms), 0u);
  EXPECT_EQ(pacer.allowance(start + 20ms), 1u);
  // Idle time saves up no more than the burst.
  EXPECT_EQ(pacer.allowance(start + 1h), 5u);
}

// Taking whatever is allowed, whenever the pacer says: the rate holds over
// a minute to within the one burst it starts with.
TEST(BackfillPacer, HoldsItsRateOverAMinute) {
  BackfillPacer::Clock::time_point now{};
  const BackfillPacer::Clock::time_point end = now + 60s;
  BackfillPacer pacer(200);
  std::size_t rows = 0;
  while (now < end) {
    const std::size_t allowed = pacer.allowance(now);
    if (allowed == 0) {
      now = pacer.next(now);
      continue;
    }
    const std::size_t taken = std::min<std::size_t>(allowed, 7);
    pacer.took(taken);
    rows += taken;
    now += 1ms;
  }
  EXPECT_GE(rows, 200u * 60);
  EXPECT_LE(rows, 200u * 60 + 20);
}

// Rows 0–9 taken while the uplink was down, then 10–14 while it was up.
std::vector<Message> outage_then_live() {
  std::vector<Message> batch = numbered_range(0, 15);
  for (int n = 0; n < 10; ++n) {
    batch[static_cast<std::size_t>(n)].backfill = true;
  }
  return batch;
}

std::vector<int> numbers(const std::vector<Message>& messages) {
  std::vector<int> out;
  for (const Message& m : messages) {
    out.push_back(number_of(m));
  }
  return out;
}

config::Store live_first(const TempDir& dir) {
  config::Store cfg = store_config(dir);
  cfg.delivery = config::Delivery::live_first;
  return cfg;
}

TEST(StoreDelivery, FifoHandsOutEveryRowInOrderWithItsMark) {
  TempDir dir;
  QueueCore core(store_config(dir));
  core.append(outage_then_live());
  const std::vector<Message> fetched = core.fetch(100);
  EXPECT_EQ(numbers(fetched), (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}));
  EXPECT_TRUE(fetched[9].backfill);
  EXPECT_FALSE(fetched[10].backfill);
  EXPECT_FALSE(core.backfill_waiting());
}

TEST(StoreDelivery, LiveFirstHandsOutLiveRowsBeforeTheBacklog) {
  TempDir dir;
  QueueCore core(live_first(dir));
  core.append(outage_then_live());
  EXPECT_EQ(numbers(core.fetch(100)),
            (std::vector<int>{10, 11, 12, 13, 14, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(StoreDelivery, TheBacklogGoesOnlyAsFarAsItsAllowance) {
  TempDir dir;
  QueueCore core(live_first(dir));
  core.append(outage_then_live());
  EXPECT_EQ(numbers(core.fetch(100, 3)), (std::vector<int>{10, 11, 12, 13, 14, 0, 1, 2}));
  EXPECT_TRUE(core.backfill_waiting());
  EXPECT_TRUE(core.fetch(100, 0).empty());
  // A live reading comes in while the backlog waits: it goes at once.
  std::vector<Message> live = numbered_range(15, 1);
  core.append(live);
  EXPECT_EQ(numbers(core.fetch(100, 0)), (std::vector<int>{15}));
  EXPECT_EQ(numbers(core.fetch(100, 100)), (std::vector<int>{3, 4, 5, 6, 7, 8, 9}));
  EXPECT_FALSE(core.backfill_waiting());
}

TEST(StoreDelivery, TheWindowLimitsBothLanesLiveFirst) {
  TempDir dir;
  CoreOptions options;
  options.window = 7;
  QueueCore core(live_first(dir), options);
  core.append(outage_then_live());
  const std::vector<Message> first = core.fetch(100);
  EXPECT_EQ(numbers(first), (std::vector<int>{10, 11, 12, 13, 14, 0, 1}));
  core.ack(first[5].seq);
  core.ack(first[6].seq);
  core.append(numbered_range(15, 1));
  EXPECT_EQ(numbers(core.fetch(100)), (std::vector<int>{15, 2}));
}

// The lanes survive a restart: after it the live rows still go first.
TEST(StoreDelivery, ARestartKeepsEachRowInItsLane) {
  TempDir dir;
  {
    QueueCore core(live_first(dir));
    core.append(outage_then_live());
  }
  QueueCore core(live_first(dir));
  const std::vector<Message> fetched = core.fetch(100);
  EXPECT_EQ(numbers(fetched), (std::vector<int>{10, 11, 12, 13, 14, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_TRUE(fetched.back().backfill);
}

TEST(StoreDelivery, AcknowledgedRowsAreNotHandedOutAgainAfterARewind) {
  TempDir dir;
  QueueCore core(live_first(dir));
  core.append(outage_then_live());
  const std::vector<Message> fetched = core.fetch(6);
  EXPECT_EQ(numbers(fetched), (std::vector<int>{10, 11, 12, 13, 14, 0}));
  core.ack(fetched[1].seq);
  core.ack(fetched[5].seq);
  core.rewind();
  EXPECT_EQ(numbers(core.fetch(100)),
            (std::vector<int>{10, 12, 13, 14, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

// Eviction follows store.overflow in both modes: drop_oldest drops the
// oldest rows, the backlog's, and spares rows already on their way.
TEST(StoreDelivery, DropOldestEvictsTheOldestBacklogRowsNotThoseInFlight) {
  TempDir dir;
  config::Store cfg = live_first(dir);
  cfg.max_rows = 15;
  QueueCore core(cfg);
  core.append(outage_then_live());
  EXPECT_EQ(numbers(core.fetch(7, 2)), (std::vector<int>{10, 11, 12, 13, 14, 0, 1}));
  core.append(numbered_range(15, 3));
  EXPECT_EQ(core.counters().evicted, 3u);
  core.rewind();
  EXPECT_EQ(numbers(core.fetch(100)),
            (std::vector<int>{10, 11, 12, 13, 14, 15, 16, 17, 0, 1, 5, 6, 7, 8, 9}));
}

void exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &error), SQLITE_OK) << error;
}

// One integer from the queue in `dir`, read by a connection of its own.
std::int64_t query_int(const TempDir& dir, const char* sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2((dir.path() / "queue.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* statement = nullptr;
  sqlite3_prepare_v2(db, sql, -1, &statement, nullptr);
  const std::int64_t value =
      sqlite3_step(statement) == SQLITE_ROW ? sqlite3_column_int64(statement, 0) : -1;
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

// A queue written before the backfill column: its rows are kept, live, and
// the column is added in place; the version stays, so that an older iotgw
// can still open the queue.
TEST(StoreDelivery, AQueueWithoutTheBackfillColumnIsGivenIt) {
  TempDir dir;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() / "queue.db").c_str(), &db), SQLITE_OK);
  exec(db,
       "PRAGMA auto_vacuum = INCREMENTAL;"
       "PRAGMA journal_mode = WAL;"
       "CREATE TABLE messages(seq INTEGER PRIMARY KEY, enqueued INTEGER NOT NULL, qos INTEGER "
       "NOT NULL, retain INTEGER NOT NULL, size INTEGER NOT NULL, topic TEXT NOT NULL, payload "
       "BLOB NOT NULL);"
       "CREATE TABLE meta(id INTEGER PRIMARY KEY CHECK (id = 1), last_seq INTEGER NOT NULL);"
       "INSERT INTO meta VALUES(1, 2);"
       "INSERT INTO messages VALUES(1, 1700000000000, 1, 0, 4, 'a/b', x'7B7D');"
       "INSERT INTO messages VALUES(2, 1700000000001, 1, 0, 4, 'a/c', x'7B7D');"
       "PRAGMA user_version = 1;");
  sqlite3_close(db);
  {
    QueueCore core(live_first(dir));
    EXPECT_EQ(core.counters().recoveries, 0u);
    const std::vector<Message> fetched = core.fetch(100);
    ASSERT_EQ(fetched.size(), 2u);
    EXPECT_EQ(fetched[0].topic, "a/b");
    EXPECT_FALSE(fetched[0].backfill);
    std::vector<Message> backlog = numbered_range(0, 1);
    backlog[0].backfill = true;
    EXPECT_EQ(core.append(backlog).seqs, (std::vector<Seq>{3}));
  }
  EXPECT_EQ(query_int(dir, "PRAGMA user_version"), 1);
  EXPECT_EQ(query_int(dir, "SELECT backfill FROM messages WHERE seq = 3"), 1);
  {
    QueueCore core(live_first(dir));  // opened again: nothing more to add
    const std::vector<Message> fetched = core.fetch(100);
    ASSERT_EQ(fetched.size(), 3u);
    EXPECT_EQ(fetched[1].topic, "a/c");
    EXPECT_TRUE(fetched[2].backfill);
  }
}

// A queue from a newer iotgw is neither adopted nor moved aside: its
// readings are for that version to forward.
TEST(StoreDelivery, AQueueFromANewerVersionIsRefusedAndLeftAlone) {
  TempDir dir;
  {
    QueueCore core(store_config(dir));
    core.append(numbered_range(0, 2));
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() / "queue.db").c_str(), &db), SQLITE_OK);
  exec(db, "PRAGMA user_version = 3;");
  sqlite3_close(db);
  try {
    QueueCore core(store_config(dir));
    FAIL() << "a newer queue was opened";
  } catch (const sqlite::Error& e) {
    EXPECT_NE(std::string(e.what()).find("written by a newer iotgw (queue version 3"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(query_int(dir, "PRAGMA user_version"), 3);
  EXPECT_EQ(query_int(dir, "SELECT count(*) FROM messages"), 2);
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().filename().string().find("corrupt"), std::string::npos) << entry.path();
  }
}

}  // namespace
}  // namespace iotgw::bridge::store::test
