// QueueCore under injected write faults (STYLE "In this project" 9): the
// write N of an append fails with an I/O error or a full disk, once or
// persistently, for every N until the append gets through untouched. Each
// time, what was accepted before is intact, the batch is all-or-nothing, the
// store keeps working once the fault is gone, and it reopens clean.
#include <algorithm>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "bridge/store/queue_core.hpp"
#include "tests/unit/bridge/store/store_test_support.hpp"

namespace iotgw::bridge::store::test {
namespace {

struct Fault {
  int code;
  bool persistent;
};

class StoreFaults : public ::testing::TestWithParam<Fault> {};

// Numbers present in the store, read through a fresh core (a restart).
std::vector<int> numbers_after_restart(const config::Store& cfg) {
  CoreOptions options;
  options.window = 1'000'000;
  QueueCore core(cfg, options);
  EXPECT_EQ(core.counters().recoveries, 0u);
  std::vector<int> out;
  for (const Message& m : core.fetch(1'000'000)) {
    out.push_back(number_of(m));
  }
  return out;
}

TEST_P(StoreFaults, EveryFailingWriteLeavesAConsistentQueue) {
  const Fault fault = GetParam();
  int clean_runs = 0;
  for (std::int64_t n = 0; clean_runs == 0 && n < 200; ++n) {
    SCOPED_TRACE("fault at write " + std::to_string(n));
    TempDir dir;
    const auto cfg = store_config(dir);
    bool batch_accepted = false;
    bool fault_fired = false;
    std::uint64_t evicted_accepted = 0;  // accepted rows evicted to make room
    {
      QueueCore core(cfg);
      core.append(numbered_range(0, 100));  // accepted before the fault
      core.fetch(10);
      for (Seq seq = 1; seq <= 10; ++seq) {
        core.ack(seq);
      }
      core.vfs().inject_write_fault(n, fault.code, fault.persistent);
      try {
        const AppendResult r = core.append(numbered_range(100, 300));
        batch_accepted = r.accepted == 300;
        EXPECT_TRUE(r.accepted == 300 || r.accepted == 0) << r.accepted;
      } catch (const sqlite::Error& e) {
        EXPECT_NE(e.primary(), SQLITE_FULL) << "a full disk is handled, not thrown";
      }
      fault_fired = core.vfs().faults_injected() > 0;
      core.vfs().clear_fault();
      const AppendResult after = core.append(numbered_range(400, 5));
      EXPECT_EQ(after.accepted, 5u) << "the store works again once the fault is gone";
      evicted_accepted = core.counters().evicted - (batch_accepted ? 0 : 300);
    }
    const std::vector<int> numbers = numbers_after_restart(cfg);
    const auto batch_rows =
        std::count_if(numbers.begin(), numbers.end(), [](int x) { return x >= 100 && x < 400; });
    // Under a full disk, rows of the batch may since have been evicted; the
    // append's own answer (all or nothing) says whether it was accepted.
    const bool batch_present = fault.code == SQLITE_FULL ? batch_accepted : batch_rows > 0;
    if (fault.code != SQLITE_FULL) {
      EXPECT_TRUE(batch_rows == 0 || batch_rows == 300) << batch_rows;
      EXPECT_TRUE(!batch_accepted || batch_rows == 300) << batch_rows;
    }
    // Everything accepted, in order: the unacked old rows, the batch if it
    // made it, the last five.
    std::vector<int> accepted;
    for (int i = 10; i < 100; ++i) {
      accepted.push_back(i);
    }
    for (int i = 100; i < 400 && batch_present; ++i) {
      accepted.push_back(i);
    }
    for (int i = 400; i < 405; ++i) {
      accepted.push_back(i);
    }
    if (fault.code == SQLITE_FULL) {
      // A full disk under drop_oldest evicts from the old end: what is left
      // is the newest part of what was accepted.
      ASSERT_LE(numbers.size(), accepted.size());
      EXPECT_TRUE(std::equal(numbers.begin(), numbers.end(),
                             accepted.end() - static_cast<std::ptrdiff_t>(numbers.size())));
      EXPECT_EQ(numbers.size() + evicted_accepted, accepted.size());
    } else {
      EXPECT_EQ(numbers, accepted) << "an I/O error loses nothing that was accepted";
    }
    if (!fault_fired) {
      // The countdown outlasted the append: every write point was covered.
      EXPECT_TRUE(batch_accepted);
      ++clean_runs;
    }
    if (::testing::Test::HasFailure()) {
      return;
    }
  }
  EXPECT_EQ(clean_runs, 1) << "the loop must reach a fault point past the whole append";
}

INSTANTIATE_TEST_SUITE_P(WriteFaults, StoreFaults,
                         ::testing::Values(Fault{SQLITE_IOERR_WRITE, false},
                                           Fault{SQLITE_IOERR_WRITE, true},
                                           Fault{SQLITE_FULL, false}, Fault{SQLITE_FULL, true}));

}  // namespace
}  // namespace iotgw::bridge::store::test
