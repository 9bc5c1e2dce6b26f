// Messages handed out before their commit: a live reading is published while
// its append waits for the group commit; one acknowledged by then is never
// written, one that is not is written and deleted as any row.
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "bridge/store/queue_core.hpp"
#include "bridge/store/store.hpp"
#include "tests/support/run_until.hpp"
#include "tests/unit/bridge/store/store_test_support.hpp"

namespace iotgw::bridge::store::test {
namespace {

using namespace std::chrono_literals;

std::vector<int> numbers_of(const std::vector<Message>& messages) {
  std::vector<int> out;
  for (const Message& m : messages) {
    out.push_back(number_of(m));
  }
  return out;
}

TEST(StoreUnwritten, AnEnqueuedMessageIsFetchedBeforeItsCommit) {
  TempDir dir;
  QueueCore core(store_config(dir));
  EXPECT_EQ(core.enqueue(numbered(0)), 1u);
  EXPECT_EQ(core.enqueue(numbered(1)), 2u);
  const std::vector<Message> fetched = core.fetch(10);
  ASSERT_EQ(fetched.size(), 2u);
  EXPECT_EQ(fetched[0].seq, 1u);
  EXPECT_EQ(fetched[0].topic, numbered(0).topic);
  EXPECT_EQ(fetched[0].payload, numbered(0).payload);
  EXPECT_EQ(fetched[1].seq, 2u);
  EXPECT_EQ(core.counters().commits, 0u);
  EXPECT_EQ(core.counters().rows, 0u);
}

TEST(StoreUnwritten, OneAcknowledgedBeforeItsCommitIsNeverWritten) {
  TempDir dir;
  QueueCore core(store_config(dir));
  core.enqueue(numbered(0));
  core.enqueue(numbered(1));
  for (const Message& m : core.fetch(10)) {
    if (m.seq == 1) {
      core.ack(m.seq);
    }
  }
  const auto written_before = core.counters().disk_bytes_written;
  const AppendResult r = core.commit();
  EXPECT_EQ(r.seqs, (std::vector<Seq>{1, 2}));
  EXPECT_EQ(r.accepted, 2u);
  EXPECT_EQ(r.acked, 1u);
  const Counters c = core.counters();
  EXPECT_EQ(c.rows, 1u) << "only the unacknowledged one has a row";
  EXPECT_EQ(c.appended, 2u);
  EXPECT_EQ(c.acked, 1u);
  EXPECT_GT(c.disk_bytes_written, written_before);
  EXPECT_EQ(numbers_in(core), (std::vector<int>{1}));
}

TEST(StoreUnwritten, WhenAllWereAcknowledgedNothingIsWritten) {
  TempDir dir;
  QueueCore core(store_config(dir));
  core.append(numbered_range(0, 1));
  for (const Message& m : core.fetch(1)) {
    core.ack(m.seq);
  }
  core.commit();
  const Counters before = core.counters();
  for (int n = 1; n <= 5; ++n) {
    core.enqueue(numbered(n));
  }
  for (const Message& m : core.fetch(10)) {
    core.ack(m.seq);
  }
  const AppendResult r = core.commit();
  EXPECT_EQ(r.accepted, 5u);
  const Counters after = core.counters();
  EXPECT_EQ(after.commits, before.commits) << "no transaction";
  EXPECT_EQ(after.disk_bytes_written, before.disk_bytes_written);
  EXPECT_EQ(after.appended, before.appended + 5);
  EXPECT_EQ(after.acked, before.acked + 5);
  EXPECT_EQ(after.rows, 0u);
}

TEST(StoreUnwritten, SequenceNumbersStayIncreasingAcrossARestart) {
  TempDir dir;
  {
    QueueCore core(store_config(dir));
    core.enqueue(numbered(0));
    core.enqueue(numbered(1));
    for (const Message& m : core.fetch(10)) {
      core.ack(m.seq);  // delivered before commit: no row, no last_seq
    }
    core.commit();
    core.append(numbered_range(2, 1));  // seq 3, written with last_seq
  }
  QueueCore core(store_config(dir));
  EXPECT_EQ(core.enqueue(numbered(3)), 4u);
}

TEST(StoreUnwritten, AnAcknowledgementAfterTheCommitDeletesTheRow) {
  TempDir dir;
  QueueCore core(store_config(dir));
  core.enqueue(numbered(0));
  const std::vector<Message> fetched = core.fetch(1);
  ASSERT_EQ(fetched.size(), 1u);
  core.commit();
  EXPECT_EQ(core.counters().rows, 1u);
  core.ack(fetched[0].seq);
  EXPECT_EQ(core.pending_acks(), 1u);
  EXPECT_EQ(core.commit().acked, 1u);
  EXPECT_EQ(core.counters().rows, 0u);
}

TEST(StoreUnwritten, FifoHandsOutTheCommittedBacklogFirst) {
  TempDir dir;
  QueueCore core(store_config(dir));
  core.append(numbered_range(0, 3));
  core.enqueue(numbered(3));
  core.enqueue(numbered(4));
  EXPECT_EQ(numbers_of(core.fetch(2)), (std::vector<int>{0, 1}));
  EXPECT_EQ(numbers_of(core.fetch(10)), (std::vector<int>{2, 3, 4}));
}

TEST(StoreUnwritten, LiveFirstHandsOutUnwrittenLiveReadingsBeforeTheBacklog) {
  TempDir dir;
  auto cfg = store_config(dir);
  cfg.delivery = config::Delivery::live_first;
  QueueCore core(cfg);
  std::vector<Message> outage = numbered_range(0, 3);
  for (Message& m : outage) {
    m.backfill = true;
  }
  core.append(outage);
  core.enqueue(numbered(3));
  Message late_backfill = numbered(4);
  late_backfill.backfill = true;
  core.enqueue(late_backfill);
  core.enqueue(numbered(5));
  EXPECT_EQ(numbers_of(core.fetch(10, 0)), (std::vector<int>{3, 5}));
  EXPECT_EQ(numbers_of(core.fetch(10)), (std::vector<int>{0, 1, 2, 4}));
}

TEST(StoreUnwritten, ARewindHandsOutTheUnacknowledgedOnesAgain) {
  TempDir dir;
  QueueCore core(store_config(dir));
  for (int n = 0; n < 3; ++n) {
    core.enqueue(numbered(n));
  }
  const std::vector<Message> fetched = core.fetch(10);
  core.ack(fetched[1].seq);
  core.rewind();
  EXPECT_EQ(numbers_of(core.fetch(10)), (std::vector<int>{0, 2}));
}

TEST(StoreUnwritten, ARefusedMessageInFlightIsAcknowledgedHarmlessly) {
  TempDir dir;
  auto cfg = store_config(dir);
  cfg.max_rows = 1;
  cfg.overflow = config::Overflow::drop_newest;
  QueueCore core(cfg);
  core.enqueue(numbered(0));
  core.enqueue(numbered(1));
  const std::vector<Message> fetched = core.fetch(10);
  ASSERT_EQ(fetched.size(), 2u);
  const AppendResult r = core.commit();
  EXPECT_EQ(r.seqs, (std::vector<Seq>{1, 0}));
  core.ack(fetched[1].seq);
  core.ack(fetched[0].seq);
  EXPECT_EQ(core.commit().acked, 1u);
  EXPECT_EQ(core.counters().rows, 0u);
  EXPECT_EQ(core.in_flight(), 0u);
}

TEST(StoreUnwritten, CommittingAcknowledgementsAloneLeavesTheEnqueuedOnesUnwrittenAndUnsynced) {
  TempDir dir;
  auto cfg = store_config(dir);
  cfg.sync = config::Sync::full;
  QueueCore core(cfg);
  core.append(numbered_range(0, 4));
  for (const Message& m : core.fetch(4)) {
    core.ack(m.seq);
  }
  core.enqueue(numbered(4));
  const Counters before = core.counters();
  EXPECT_EQ(core.commit_acks().acked, 4u);
  EXPECT_EQ(core.counters().syncs, before.syncs);
  EXPECT_EQ(core.unwritten(), 1u);
  EXPECT_EQ(numbers_of(core.fetch(10)), (std::vector<int>{4}));
  EXPECT_EQ(core.commit().seqs, (std::vector<Seq>{5}));
  EXPECT_GT(core.counters().syncs, before.syncs);
}

// Through the front end: the reading reaches the fetch while its append
// waits an hour for the commit timer.
TEST(StoreUnwritten, TheStoreHandsOutAReadingBeforeItsGroupCommit) {
  TempDir dir;
  auto cfg = store_config(dir);
  cfg.commit_interval = std::chrono::hours(1);
  boost::asio::io_context ctx;
  Store store(ctx.get_executor(), cfg);
  bool opened = false;
  store.async_open([&](error_code ec) { opened = !ec; });
  ASSERT_TRUE(iotgw::test::run_until(ctx, [&] { return opened; }));
  std::optional<Seq> committed;
  store.async_append(numbered(0), [&](error_code, Seq seq) { committed = seq; });
  std::vector<Message> fetched;
  store.async_fetch(10, [&](error_code, std::vector<Message> m) { fetched = std::move(m); });
  ASSERT_TRUE(iotgw::test::run_until(ctx, [&] { return !fetched.empty(); }));
  EXPECT_FALSE(committed.has_value());
  EXPECT_EQ(number_of(fetched[0]), 0);
  bool stopped = false;
  store.async_stop([&] { stopped = true; });
  ASSERT_TRUE(iotgw::test::run_until(ctx, [&] { return stopped && committed; }));
  EXPECT_EQ(*committed, 1u);
}

}  // namespace
}  // namespace iotgw::bridge::store::test
