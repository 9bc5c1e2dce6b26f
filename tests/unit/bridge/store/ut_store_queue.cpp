// QueueCore: ordering, the in-flight window, acknowledgements and restarts.
#include <gtest/gtest.h>

#include "bridge/store/queue_core.hpp"
#include "tests/unit/bridge/store/store_test_support.hpp"

namespace iotgw::bridge::store::test {
namespace {

std::vector<Seq> seqs_of(const std::vector<Message>& messages) {
  std::vector<Seq> out;
  for (const Message& m : messages) {
    out.push_back(m.seq);
  }
  return out;
}

TEST(StoreQueue, AppendAssignsIncreasingSequenceNumbers) {
  TempDir dir;
  QueueCore core(store_config(dir));
  const auto batch = numbered_range(0, 5);
  const AppendResult r = core.append(batch);
  EXPECT_EQ(r.seqs, (std::vector<Seq>{1, 2, 3, 4, 5}));
  EXPECT_EQ(r.accepted, 5u);
  const AppendResult r2 = core.append(numbered_range(5, 2));
  EXPECT_EQ(r2.seqs, (std::vector<Seq>{6, 7}));
  const Counters c = core.counters();
  EXPECT_EQ(c.rows, 7u);
  EXPECT_EQ(c.appended, 7u);
  EXPECT_EQ(c.commits, 2u);
  std::uint64_t total = 0;
  for (int n = 0; n < 7; ++n) {
    total += numbered(n).topic.size() + 64;
  }
  EXPECT_EQ(c.bytes, total);
}

TEST(StoreQueue, FetchReturnsMessagesInOrderWithTheirContents) {
  TempDir dir;
  QueueCore core(store_config(dir));
  core.append(numbered_range(0, 10));
  const auto out = core.fetch(100);
  ASSERT_EQ(out.size(), 10u);
  for (int n = 0; n < 10; ++n) {
    const Message expected = numbered(n);
    EXPECT_EQ(out[n].seq, static_cast<Seq>(n + 1));
    EXPECT_EQ(out[n].topic, expected.topic);
    EXPECT_EQ(out[n].payload, expected.payload);
    EXPECT_EQ(out[n].qos, expected.qos);
    EXPECT_EQ(out[n].retain, expected.retain);
    EXPECT_EQ(out[n].enqueued, expected.enqueued);
  }
  EXPECT_TRUE(core.fetch(100).empty()) << "everything was handed out already";
}

TEST(StoreQueue, EmptyPayloadSurvivesTheRoundTrip) {
  TempDir dir;
  QueueCore core(store_config(dir));
  Message m = numbered(1);
  m.payload.clear();
  core.append(std::vector{m});
  const auto out = core.fetch(1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].payload.empty());
  EXPECT_EQ(out[0].topic, m.topic);
}

TEST(StoreQueue, FetchStopsAtTheInFlightWindowUntilAcked) {
  TempDir dir;
  CoreOptions options;
  options.window = 4;
  QueueCore core(store_config(dir), options);
  core.append(numbered_range(0, 10));
  EXPECT_EQ(seqs_of(core.fetch(3)), (std::vector<Seq>{1, 2, 3}));
  EXPECT_EQ(seqs_of(core.fetch(3)), (std::vector<Seq>{4}));
  EXPECT_TRUE(core.fetch(3).empty());
  EXPECT_EQ(core.in_flight(), 4u);
  core.ack(2);
  EXPECT_EQ(seqs_of(core.fetch(3)), (std::vector<Seq>{5}));
  core.ack(1);
  core.ack(3);
  EXPECT_EQ(seqs_of(core.fetch(10)), (std::vector<Seq>{6, 7}));
}

TEST(StoreQueue, OutOfOrderAcksDeleteExactlyTheAckedRows) {
  TempDir dir;
  QueueCore core(store_config(dir));
  core.append(numbered_range(0, 6));
  ASSERT_EQ(core.fetch(6).size(), 6u);
  for (const Seq seq : {5, 2, 6}) {
    core.ack(seq);
  }
  EXPECT_EQ(core.counters().rows, 6u) << "acks are applied at the next commit";
  const AppendResult r = core.commit();
  EXPECT_EQ(r.acked, 3u);
  const Counters c = core.counters();
  EXPECT_EQ(c.rows, 3u);
  EXPECT_EQ(c.acked, 3u);
  core.rewind();
  EXPECT_EQ(seqs_of(core.fetch(10)), (std::vector<Seq>{1, 3, 4}));
}

TEST(StoreQueue, AckingAnUnknownOrRepeatedSequenceChangesNothing) {
  TempDir dir;
  QueueCore core(store_config(dir));
  core.append(numbered_range(0, 2));
  core.ack(1);
  core.commit();
  core.ack(1);
  core.ack(99);
  const AppendResult r = core.commit();
  EXPECT_EQ(r.acked, 0u);
  EXPECT_EQ(core.counters().rows, 1u);
  EXPECT_EQ(core.counters().acked, 1u);
}

TEST(StoreQueue, RewindSkipsAckedRowsNotYetDeleted) {
  TempDir dir;
  QueueCore core(store_config(dir));
  core.append(numbered_range(0, 4));
  core.fetch(4);
  core.ack(3);
  core.rewind();
  EXPECT_EQ(seqs_of(core.fetch(10)), (std::vector<Seq>{1, 2, 4}));
}

TEST(StoreQueue, RestartMakesEveryUnackedMessagePendingAgain) {
  TempDir dir;
  const auto cfg = store_config(dir);
  {
    QueueCore core(cfg);
    core.append(numbered_range(0, 8));
    core.fetch(8);
    core.ack(1);
    core.ack(4);
    core.append(numbered_range(8, 1));  // carries the deletes
    core.ack(2);                        // never committed: comes back
  }
  QueueCore core(cfg);
  const auto out = core.fetch(100);
  EXPECT_EQ(seqs_of(out), (std::vector<Seq>{2, 3, 5, 6, 7, 8, 9}));
  EXPECT_EQ(number_of(out.back()), 8);
  EXPECT_EQ(core.counters().rows, 7u);
  EXPECT_EQ(core.counters().bytes, [&] {
    std::uint64_t total = 0;
    for (const Message& m : out)
      total += m.size();
    return total;
  }());
  EXPECT_EQ(core.counters().oldest_enqueued, numbered(1).enqueued);
}

TEST(StoreQueue, SequenceNumbersAreNeverReusedAfterTheQueueRanEmpty) {
  TempDir dir;
  const auto cfg = store_config(dir);
  {
    QueueCore core(cfg);
    core.append(numbered_range(0, 3));
    for (Seq s = 1; s <= 3; ++s) {
      core.ack(s);
    }
    core.commit();
    EXPECT_EQ(core.counters().rows, 0u);
  }
  QueueCore core(cfg);
  EXPECT_EQ(core.append(numbered_range(3, 1)).seqs, (std::vector<Seq>{4}));
}

TEST(StoreQueue, OldestAgeFollowsTheHeadOfTheQueue) {
  TempDir dir;
  QueueCore core(store_config(dir));
  EXPECT_FALSE(core.counters().oldest_enqueued.has_value());
  core.append(numbered_range(10, 3));
  const auto now = numbered(10).enqueued + std::chrono::seconds(5);
  EXPECT_EQ(core.counters().oldest_age(now), std::chrono::milliseconds(5000));
  core.ack(1);
  core.commit();
  EXPECT_EQ(core.counters().oldest_age(now), std::chrono::milliseconds(4999));
}

TEST(StoreQueue, CountsTheBytesItWritesAndCommits) {
  TempDir dir;
  QueueCore core(store_config(dir));
  const auto before = core.counters();
  core.append(numbered_range(0, 100));
  const auto after = core.counters();
  EXPECT_EQ(after.commits, before.commits + 1);
  EXPECT_GT(after.disk_bytes_written, before.disk_bytes_written + 100 * 64);
  EXPECT_EQ(after.syncs, before.syncs) << "synchronous=normal: a commit does not fsync";
}

TEST(StoreQueue, FullSyncFsyncsEveryCommit) {
  TempDir dir;
  auto cfg = store_config(dir);
  cfg.sync = config::Sync::full;
  QueueCore core(cfg);
  const auto before = core.counters().syncs;
  core.append(numbered_range(0, 10));
  core.append(numbered_range(10, 10));
  EXPECT_GE(core.counters().syncs, before + 2);
}

// A commit that only deletes acknowledged rows needs no fsync: lost to a
// power cut, it brings back delivered rows as duplicates, never loses one.
TEST(StoreQueue, FullSyncLeavesCommitsOfAcknowledgementsUnsynced) {
  TempDir dir;
  auto cfg = store_config(dir);
  cfg.sync = config::Sync::full;
  QueueCore core(cfg);
  core.append(numbered_range(0, 10));
  for (const Message& m : core.fetch(10)) {
    core.ack(m.seq);
  }
  const auto before = core.counters();
  EXPECT_EQ(core.commit().acked, 10u);
  EXPECT_EQ(core.counters().commits, before.commits + 1);
  EXPECT_EQ(core.counters().syncs, before.syncs);
  core.append(numbered_range(10, 1));
  EXPECT_GT(core.counters().syncs, before.syncs) << "an append is synced again";
}

}  // namespace
}  // namespace iotgw::bridge::store::test
