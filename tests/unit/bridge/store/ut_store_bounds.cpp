// QueueCore bounds: max_rows and max_bytes under both overflow policies.
#include <gtest/gtest.h>

#include "bridge/store/queue_core.hpp"
#include "tests/unit/bridge/store/store_test_support.hpp"

namespace iotgw::bridge::store::test {
namespace {

// Each test bounds the store in cfg_ and opens it with a window wide enough
// that numbers_in() sees every row.
class StoreBounds : public testing::Test {
 protected:
  QueueCore open() const {
    CoreOptions options;
    options.window = 1000;
    return QueueCore(cfg_, options);
  }

  TempDir dir_;
  config::Store cfg_ = store_config(dir_);
};

TEST_F(StoreBounds, DropOldestKeepsTheNewestRows) {
  cfg_.max_rows = 5;
  QueueCore core = open();
  core.append(numbered_range(0, 4));
  const AppendResult r = core.append(numbered_range(4, 3));
  EXPECT_EQ(r.accepted, 3u);
  EXPECT_EQ(r.seqs, (std::vector<Seq>{5, 6, 7}));
  EXPECT_EQ(numbers_in(core), (std::vector<int>{2, 3, 4, 5, 6}));
  const Counters c = core.counters();
  EXPECT_EQ(c.rows, 5u);
  EXPECT_EQ(c.evicted, 2u);
  EXPECT_EQ(c.appended, 7u);
}

// A row in flight is on its way to the broker: evicting it would count as
// dropped a message that is delivered anyway. The oldest rows not handed out
// go first, those in flight only when nothing else is left.
TEST_F(StoreBounds, DropOldestEvictsRowsInFlightOnlyWhenNothingElseIsLeft) {
  cfg_.max_rows = 5;
  QueueCore core = open();
  core.append(numbered_range(0, 5));
  ASSERT_EQ(core.fetch(2).size(), 2u);  // 0 and 1 in flight
  core.append(numbered_range(5, 2));
  EXPECT_EQ(numbers_in(core), (std::vector<int>{0, 1, 4, 5, 6}));
  EXPECT_EQ(core.counters().evicted, 2u);

  ASSERT_EQ(core.fetch(1000).size(), 5u);  // everything in flight
  core.append(numbered_range(7, 2));
  EXPECT_EQ(numbers_in(core), (std::vector<int>{4, 5, 6, 7, 8}));
  EXPECT_EQ(core.counters().evicted, 4u);
}

TEST_F(StoreBounds, DropOldestWithABatchLargerThanTheStoreKeepsItsNewestPart) {
  cfg_.max_rows = 3;
  QueueCore core = open();
  core.append(numbered_range(0, 2));
  const AppendResult r = core.append(numbered_range(2, 5));
  // Sequence numbers are given at enqueue: the refused messages used theirs.
  EXPECT_EQ(r.seqs, (std::vector<Seq>{0, 0, 5, 6, 7}));
  EXPECT_EQ(numbers_in(core), (std::vector<int>{4, 5, 6}));
  EXPECT_EQ(core.counters().evicted, 4u) << "2 old rows and 2 messages of the batch";
}

TEST_F(StoreBounds, DropNewestRefusesWhatDoesNotFit) {
  cfg_.max_rows = 5;
  cfg_.overflow = config::Overflow::drop_newest;
  QueueCore core = open();
  core.append(numbered_range(0, 4));
  const AppendResult r = core.append(numbered_range(4, 3));
  EXPECT_EQ(r.seqs, (std::vector<Seq>{5, 0, 0}));
  EXPECT_EQ(r.accepted, 1u);
  EXPECT_EQ(numbers_in(core), (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(core.counters().evicted, 2u);
  EXPECT_EQ(core.counters().appended, 5u);
}

TEST_F(StoreBounds, AcksInTheSameCommitMakeRoomFirst) {
  cfg_.max_rows = 3;
  cfg_.overflow = config::Overflow::drop_newest;
  QueueCore core(cfg_);
  core.append(numbered_range(0, 3));
  core.fetch(2);
  core.ack(1);
  core.ack(2);
  const AppendResult r = core.append(numbered_range(3, 2));
  EXPECT_EQ(r.seqs, (std::vector<Seq>{4, 5}));
  EXPECT_EQ(r.acked, 2u);
  EXPECT_EQ(core.counters().evicted, 0u);
}

TEST_F(StoreBounds, MaxBytesEvictsByPayloadAndTopicSize) {
  const std::uint64_t each = numbered(0).size();  // all of 0..9 have the same size
  cfg_.max_bytes = 4 * each;
  QueueCore core = open();
  core.append(numbered_range(0, 6));
  EXPECT_EQ(numbers_in(core), (std::vector<int>{2, 3, 4, 5}));
  EXPECT_EQ(core.counters().bytes, 4 * each);
  EXPECT_EQ(core.counters().evicted, 2u);
}

TEST_F(StoreBounds, MaxBytesUnderDropNewestAndAMessageLargerThanTheStore) {
  cfg_.max_bytes = 1000;
  cfg_.overflow = config::Overflow::drop_newest;
  QueueCore core = open();
  std::vector<Message> batch{numbered(0, 400), numbered(1, 2000), numbered(2, 400),
                             numbered(3, 400)};
  const AppendResult r = core.append(batch);
  EXPECT_EQ(r.seqs, (std::vector<Seq>{1, 0, 3, 0}));
  EXPECT_EQ(numbers_in(core), (std::vector<int>{0, 2}));
  EXPECT_LE(core.counters().bytes, 1000u);
  EXPECT_EQ(core.counters().evicted, 2u);
}

TEST_F(StoreBounds, OversizedMessageIsDroppedUnderDropOldestWithoutEvictingOthers) {
  cfg_.max_bytes = 1000;
  QueueCore core = open();
  core.append(std::vector{numbered(0, 400)});
  const AppendResult r = core.append(std::vector{numbered(1, 5000)});
  EXPECT_EQ(r.seqs, (std::vector<Seq>{0}));
  EXPECT_EQ(numbers_in(core), (std::vector<int>{0}));
  EXPECT_EQ(core.counters().evicted, 1u);
}

TEST_F(StoreBounds, BoundsHoldAcrossARestart) {
  cfg_.max_rows = 4;
  open().append(numbered_range(0, 4));
  QueueCore core = open();
  core.append(numbered_range(4, 1));
  EXPECT_EQ(numbers_in(core), (std::vector<int>{1, 2, 3, 4}));
}

}  // namespace
}  // namespace iotgw::bridge::store::test
