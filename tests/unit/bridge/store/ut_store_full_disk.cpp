// QueueCore on a file system that really fills up: a 2 MiB tmpfs, with many
// times its size appended while nothing is acknowledged (the uplink down).
// Deleting rows frees nothing while the write-ahead log cannot grow, so these
// attack the overflow policy's promise: drop_oldest keeps the newest
// messages, drop_newest the oldest, both count what they drop, and the store
// drains and takes space back once the uplink returns.
#include <algorithm>

#include <gtest/gtest.h>

#include "bridge/store/queue_core.hpp"
#include "tests/unit/bridge/store/small_fs.hpp"
#include "tests/unit/bridge/store/store_test_support.hpp"

namespace iotgw::bridge::store::test {
namespace {

constexpr int batch = 100;
// About 6 MiB of rows (topic and payload ~90 bytes each): three times the disk.
constexpr int messages = 60'000;

bool consecutive(const std::vector<int>& numbers) {
  for (std::size_t i = 1; i < numbers.size(); ++i) {
    if (numbers[i] != numbers[i - 1] + 1) {
      return false;
    }
  }
  return true;
}

void ack_all(QueueCore& core) {
  core.rewind();
  for (const Message& m : core.fetch(1'000'000)) {
    core.ack(m.seq);
  }
}

config::Store config_on(const SmallFileSystem& fs, config::Overflow overflow) {
  config::Store cfg;
  cfg.path = fs.path() / "queue.db";
  cfg.overflow = overflow;
  return cfg;
}

CoreOptions options() {
  CoreOptions o;
  o.window = 1'000'000;
  return o;
}

TEST(StoreFullDisk, DropOldestOnA2MiBFileSystemKeepsTheNewestMessages) {
  SmallFileSystem fs("2m");
  if (!fs) {
    GTEST_SKIP() << "no tmpfs for the test: " << fs.why_not();
  }
  QueueCore core(config_on(fs, config::Overflow::drop_oldest), options());
  int refused_batches = 0;
  for (int next = 0; next < messages; next += batch) {
    const AppendResult r = core.append(numbered_range(next, batch));
    if (r.accepted != batch) {
      ++refused_batches;
    }
  }
  const Counters full = core.counters();
  EXPECT_GT(full.disk_full_events, 0u) << "the disk must have filled up for this test";
  EXPECT_EQ(refused_batches, 0) << "drop_oldest makes room for every new message";

  const std::vector<int> numbers = numbers_in(core);
  ASSERT_FALSE(numbers.empty());
  EXPECT_EQ(numbers.back(), messages - 1) << "the newest message is kept";
  EXPECT_TRUE(consecutive(numbers)) << "what is kept is the newest part, without holes";
  EXPECT_EQ(numbers.size() + full.evicted, static_cast<std::size_t>(messages))
      << "every message is either kept or counted as evicted";
  EXPECT_EQ(full.rows, numbers.size());
  // The disk is used, not given up: at ~140 bytes a row on disk, 2 MiB holds
  // about 15,000; the reserve and the log take a part of it.
  EXPECT_GT(numbers.size(), 5'000u);
  EXPECT_LT(core.file_bytes(), 2u * 1024 * 1024);

  // The uplink returns: everything drains, the space comes back, and the
  // store accepts at full size again.
  ack_all(core);
  EXPECT_EQ(core.commit().acked, numbers.size()) << "the deletes fit although the disk is full";
  core.maintain();
  EXPECT_EQ(core.counters().rows, 0u);
  EXPECT_LT(core.file_bytes(), 256u * 1024) << "freed pages go back to the file system";
  std::uint64_t accepted = 0;
  for (int next = messages; next < messages + 8'000; next += batch) {
    accepted += core.append(numbered_range(next, batch)).accepted;
  }
  EXPECT_EQ(accepted, 8'000u);
  EXPECT_EQ(numbers_in(core).size(), 8'000u);
  EXPECT_EQ(core.counters().evicted, full.evicted) << "nothing more dropped";
  EXPECT_FALSE(core.counters().disk_full);
}

TEST(StoreFullDisk, DropNewestOnA2MiBFileSystemKeepsTheOldestMessages) {
  SmallFileSystem fs("2m");
  if (!fs) {
    GTEST_SKIP() << "no tmpfs for the test: " << fs.why_not();
  }
  QueueCore core(config_on(fs, config::Overflow::drop_newest), options());
  std::uint64_t accepted = 0;
  bool refused_then_accepted = false;
  bool refused = false;
  for (int next = 0; next < messages; next += batch) {
    const AppendResult r = core.append(numbered_range(next, batch));
    accepted += r.accepted;
    refused_then_accepted = refused_then_accepted || (refused && r.accepted > 0);
    refused = refused || r.accepted < batch;
  }
  const Counters full = core.counters();
  EXPECT_GT(full.disk_full_events, 0u) << "the disk must have filled up for this test";
  EXPECT_FALSE(refused_then_accepted) << "once full, newer messages are the ones dropped";

  const std::vector<int> numbers = numbers_in(core);
  ASSERT_FALSE(numbers.empty());
  EXPECT_EQ(numbers.front(), 0) << "the oldest message is kept";
  EXPECT_TRUE(consecutive(numbers));
  EXPECT_EQ(numbers.size(), accepted);
  EXPECT_EQ(accepted + full.evicted, static_cast<std::uint64_t>(messages));
  EXPECT_GT(numbers.size(), 5'000u);

  // The uplink returns: the acknowledged rows must be deleted although the
  // disk is full, and new messages are accepted again.
  ack_all(core);
  const AppendResult drained = core.commit();
  EXPECT_EQ(drained.acked, numbers.size());
  EXPECT_EQ(core.counters().rows, 0u);
  const AppendResult after = core.append(numbered_range(messages, batch));
  EXPECT_EQ(after.accepted, static_cast<std::uint64_t>(batch));
  EXPECT_FALSE(core.counters().disk_full);
  core.maintain();
  EXPECT_LT(core.file_bytes(), 256u * 1024);
}

// A full disk at every moment of a long outage: the store settles at a size
// and keeps accepting, with checkpoints (two fsyncs each) well below one per
// transaction, and without growing the files past the disk.
TEST(StoreFullDisk, DropOldestStaysFullWithoutChurning) {
  SmallFileSystem fs("2m");
  if (!fs) {
    GTEST_SKIP() << "no tmpfs for the test: " << fs.why_not();
  }
  QueueCore core(config_on(fs, config::Overflow::drop_oldest), options());
  int next = 0;
  for (; next < messages; next += batch) {
    core.append(numbered_range(next, batch));
  }
  const Counters before = core.counters();
  constexpr int more = 200;  // transactions
  for (int i = 0; i < more; ++i, next += batch) {
    ASSERT_EQ(core.append(numbered_range(next, batch)).accepted, static_cast<std::uint64_t>(batch));
  }
  const Counters after = core.counters();
  EXPECT_LT(after.checkpoints - before.checkpoints, static_cast<std::uint64_t>(more) / 2);
  EXPECT_LT(after.disk_full_events - before.disk_full_events, static_cast<std::uint64_t>(more) / 4);
  EXPECT_EQ(numbers_in(core).back(), next - 1);
}

}  // namespace
}  // namespace iotgw::bridge::store::test
