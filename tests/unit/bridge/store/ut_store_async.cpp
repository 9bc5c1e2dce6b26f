// The Store front end on a real io_context: completions after commit, fetch
// that waits for messages, acks, idle maintenance and a stop that commits.
#include <functional>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "bridge/store/store.hpp"
#include "tests/support/run_until.hpp"
#include "tests/unit/bridge/store/store_test_support.hpp"

namespace iotgw::bridge::store::test {
namespace {

using namespace std::chrono_literals;

// Rows in the database as another connection sees them (i.e. committed).
std::int64_t committed_rows(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "SELECT count(*) FROM messages", -1, &stmt, nullptr);
  const std::int64_t n = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

using iotgw::test::run_until;

class StoreAsync : public ::testing::Test {
 protected:
  StoreAsync() {
    cfg_ = store_config(dir_);
    cfg_.commit_interval = 20ms;
  }

  // Opens `store` and fails the test unless that worked.
  void open(Store& store) {
    bool opened = false;
    store.async_open([&](error_code ec) {
      EXPECT_FALSE(ec) << ec.message();
      opened = true;
    });
    ASSERT_TRUE(run_until(ctx_, [&] { return opened; }));
  }

  void stop(Store& store) {
    bool stopped = false;
    store.async_stop([&] { stopped = true; });
    ASSERT_TRUE(run_until(ctx_, [&] { return stopped; }));
  }

  TempDir dir_;
  config::Store cfg_;
  asio::io_context ctx_;
};

TEST_F(StoreAsync, AppendCompletesAfterItsTransactionCommitted) {
  Store store(ctx_.get_executor(), cfg_);
  open(store);
  std::optional<Seq> seq;
  std::int64_t rows_seen_at_completion = -1;
  std::thread::id completed_on;
  store.async_append(numbered(7), [&](error_code ec, Seq s) {
    EXPECT_FALSE(ec);
    rows_seen_at_completion = committed_rows(cfg_.path);
    completed_on = std::this_thread::get_id();
    seq = s;
  });
  ASSERT_TRUE(run_until(ctx_, [&] { return seq.has_value(); }));
  EXPECT_EQ(*seq, 1u);
  EXPECT_EQ(completed_on, std::this_thread::get_id()) << "completions run on the caller's executor";
  EXPECT_EQ(rows_seen_at_completion, 1);
  EXPECT_EQ(store.counters().appended, 1u);
  EXPECT_EQ(store.counters().commits, 1u);
  stop(store);
}

TEST_F(StoreAsync, MessagesWithinOneIntervalShareOneCommit) {
  cfg_.commit_interval = 200ms;
  Store store(ctx_.get_executor(), cfg_);
  open(store);
  std::vector<Seq> seqs;
  for (int n = 0; n < 5; ++n) {
    store.async_append(numbered(n), [&](error_code ec, Seq s) {
      EXPECT_FALSE(ec);
      seqs.push_back(s);
    });
  }
  ASSERT_TRUE(run_until(ctx_, [&] { return seqs.size() == 5; }));
  EXPECT_EQ(seqs, (std::vector<Seq>{1, 2, 3, 4, 5}));
  EXPECT_EQ(store.counters().commits, 1u);
  stop(store);
}

TEST_F(StoreAsync, CommitBatchCommitsWithoutWaitingForTheTimer) {
  cfg_.commit_interval = std::chrono::hours(1);
  cfg_.commit_batch = 10;
  Store store(ctx_.get_executor(), cfg_);
  open(store);
  std::vector<Seq> seqs;
  store.async_append(numbered_range(0, 10), [&](error_code ec, std::vector<Seq> s) {
    EXPECT_FALSE(ec);
    seqs = std::move(s);
  });
  ASSERT_TRUE(run_until(ctx_, [&] { return !seqs.empty(); }));
  EXPECT_EQ(seqs.size(), 10u);
  EXPECT_EQ(seqs.front(), 1u);
  EXPECT_EQ(seqs.back(), 10u);
  stop(store);
}

TEST_F(StoreAsync, FetchWaitsForMessagesAndAcksDeleteThem) {
  Store store(ctx_.get_executor(), cfg_);
  open(store);
  std::vector<Message> fetched;
  bool acked = false;
  asio::co_spawn(
      ctx_,
      [&]() -> asio::awaitable<void> {
        fetched = co_await store.async_fetch(100, asio::use_awaitable);
        std::vector<Seq> seqs;
        for (auto it = fetched.rbegin(); it != fetched.rend(); ++it) {
          seqs.push_back(it->seq);  // out of order on purpose
        }
        co_await store.async_ack(seqs, asio::use_awaitable);
        acked = true;
      },
      asio::detached);
  ctx_.poll();
  EXPECT_TRUE(fetched.empty()) << "nothing appended yet";
  store.async_append(numbered_range(0, 3), asio::detached);
  ASSERT_TRUE(run_until(ctx_, [&] { return acked; }));
  ASSERT_EQ(fetched.size(), 3u);
  EXPECT_EQ(number_of(fetched[0]), 0);
  EXPECT_EQ(number_of(fetched[2]), 2);
  EXPECT_EQ(store.counters().acked, 3u);
  EXPECT_EQ(store.counters().rows, 0u);
  EXPECT_EQ(committed_rows(cfg_.path), 0);
  stop(store);
}

// Acknowledged rows are deleted by delete_batch, at once and without waiting
// for the commit timer; fewer wait for it.
TEST_F(StoreAsync, AcknowledgedRowsAreDeletedByDeleteBatches) {
  {
    Store writer(ctx_.get_executor(), cfg_);
    open(writer);
    writer.async_append(numbered_range(0, 10), asio::detached);
    stop(writer);
  }
  ASSERT_EQ(committed_rows(cfg_.path), 10);
  cfg_.commit_interval = std::chrono::hours(1);
  StoreOptions options;
  options.delete_batch = 4;
  Store store(ctx_.get_executor(), cfg_, options);
  open(store);
  std::vector<Message> fetched;
  asio::co_spawn(
      ctx_,
      [&]() -> asio::awaitable<void> {
        fetched = co_await store.async_fetch(10, asio::use_awaitable);
      },
      asio::detached);
  ASSERT_TRUE(run_until(ctx_, [&] { return fetched.size() == 10; }));
  store.async_ack({fetched[0].seq, fetched[1].seq, fetched[2].seq}, asio::detached);
  ctx_.restart();
  ctx_.run_for(50ms);
  EXPECT_EQ(committed_rows(cfg_.path), 10) << "three of four: they wait for the commit";
  store.async_ack({fetched[3].seq}, asio::detached);
  ASSERT_TRUE(run_until(ctx_, [&] { return committed_rows(cfg_.path) == 6; }));
  stop(store);
}

TEST_F(StoreAsync, RewindHandsOutUnackedMessagesAgain) {
  Store store(ctx_.get_executor(), cfg_);
  open(store);
  bool appended = false;
  store.async_append(numbered_range(0, 2), [&](error_code, std::vector<Seq>) { appended = true; });
  ASSERT_TRUE(run_until(ctx_, [&] { return appended; }));
  std::vector<Message> first;
  std::vector<Message> second;
  store.async_fetch(10, [&](error_code ec, std::vector<Message> m) {
    EXPECT_FALSE(ec);
    first = std::move(m);
    store.rewind();
    store.async_fetch(10, [&](error_code ec2, std::vector<Message> m2) {
      EXPECT_FALSE(ec2);
      second = std::move(m2);
    });
  });
  ASSERT_TRUE(run_until(ctx_, [&] { return !second.empty(); }));
  EXPECT_EQ(first.size(), 2u);
  EXPECT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0].seq, first[0].seq);
  stop(store);
}

// Backlog rows (taken while the uplink was down) as numbered() messages.
std::vector<Message> backlog_range(int first, int count) {
  std::vector<Message> batch = numbered_range(first, count);
  for (Message& m : batch) {
    m.backfill = true;
  }
  return batch;
}

// live_first: while the uplink is down a waiting fetch gets live rows but
// never the backlog, which waits for the uplink.
TEST_F(StoreAsync, LiveFirstHoldsTheBacklogWhileTheUplinkIsDown) {
  cfg_.delivery = config::Delivery::live_first;
  Store store(ctx_.get_executor(), cfg_);
  open(store);
  bool appended = false;
  store.async_append(backlog_range(0, 3), [&](error_code, std::vector<Seq>) { appended = true; });
  ASSERT_TRUE(run_until(ctx_, [&] { return appended; }));
  std::vector<Message> fetched;
  store.async_fetch(10, [&](error_code ec, std::vector<Message> m) {
    EXPECT_FALSE(ec);
    fetched = std::move(m);
  });
  store.async_append(numbered(3), asio::detached);
  ASSERT_TRUE(run_until(ctx_, [&] { return !fetched.empty(); }));
  ASSERT_EQ(fetched.size(), 1u) << "the backlog went out with the uplink down";
  EXPECT_EQ(number_of(fetched[0]), 3);
  fetched.clear();
  store.async_fetch(10, [&](error_code ec, std::vector<Message> m) {
    EXPECT_FALSE(ec);
    fetched = std::move(m);
  });
  store.set_uplink(true);
  ASSERT_TRUE(run_until(ctx_, [&] { return !fetched.empty(); }));
  ASSERT_EQ(fetched.size(), 3u);
  EXPECT_TRUE(fetched[0].backfill);
  EXPECT_EQ(number_of(fetched[0]), 0);
  stop(store);
}

// At 10 a second the burst is one row: each fetch gets one backlog row, the
// next one when the pace allows, until the backlog is out.
TEST_F(StoreAsync, TheBacklogGoesAtItsPace) {
  cfg_.delivery = config::Delivery::live_first;
  cfg_.backfill_rate = 10;
  Store store(ctx_.get_executor(), cfg_);
  open(store);
  store.set_uplink(true);
  bool appended = false;
  store.async_append(backlog_range(0, 3), [&](error_code, std::vector<Seq>) { appended = true; });
  ASSERT_TRUE(run_until(ctx_, [&] { return appended; }));
  std::vector<std::size_t> batches;
  std::function<void()> fetch_next = [&] {
    store.async_fetch(10, [&](error_code ec, std::vector<Message> m) {
      ASSERT_FALSE(ec);
      batches.push_back(m.size());
      if (batches.size() < 3) {
        fetch_next();
      }
    });
  };
  const auto started = std::chrono::steady_clock::now();
  fetch_next();
  ASSERT_TRUE(run_until(ctx_, [&] { return batches.size() == 3; }));
  EXPECT_EQ(batches, (std::vector<std::size_t>{1, 1, 1}));
  // The first row went at once, each of the others 100 ms after the one
  // before: a lower bound, whatever the machine's load.
  EXPECT_GE(std::chrono::steady_clock::now() - started, 200ms);
  stop(store);
}

TEST_F(StoreAsync, DroppedMessageCompletesWithDropped) {
  cfg_.max_rows = 1;
  cfg_.overflow = config::Overflow::drop_newest;
  Store store(ctx_.get_executor(), cfg_);
  open(store);
  std::vector<error_code> results;
  for (int n = 0; n < 2; ++n) {
    store.async_append(numbered(n), [&](error_code ec, Seq) { results.push_back(ec); });
  }
  ASSERT_TRUE(run_until(ctx_, [&] { return results.size() == 2; }));
  EXPECT_FALSE(results[0]);
  EXPECT_EQ(results[1], Errc::dropped);
  EXPECT_EQ(store.counters().evicted, 1u);
  stop(store);
}

TEST_F(StoreAsync, StopCommitsWhatIsPendingAndAbortsTheFetch) {
  cfg_.commit_interval = std::chrono::hours(1);
  auto store = std::make_unique<Store>(ctx_.get_executor(), cfg_);
  open(*store);
  std::optional<Seq> seq;
  std::optional<error_code> fetch_result;
  store->async_append(numbered(1), [&](error_code ec, Seq s) {
    EXPECT_FALSE(ec);
    seq = s;
  });
  // The message is handed out before its commit; the next fetch waits.
  std::optional<std::size_t> fetched;
  store->async_fetch(1, [&](error_code ec, std::vector<Message> m) {
    EXPECT_FALSE(ec);
    fetched = m.size();
  });
  ASSERT_TRUE(run_until(ctx_, [&] { return fetched.has_value(); }));
  EXPECT_EQ(*fetched, 1u);
  EXPECT_FALSE(seq.has_value()) << "not committed yet";
  store->async_fetch(1, [&](error_code ec, std::vector<Message>) { fetch_result = ec; });
  stop(*store);
  ASSERT_TRUE(run_until(ctx_, [&] { return seq && fetch_result; }));
  EXPECT_EQ(*seq, 1u);
  EXPECT_EQ(*fetch_result, asio::error::operation_aborted);
  std::optional<error_code> late;
  store->async_append(numbered(2), [&](error_code ec, Seq) { late = ec; });
  ASSERT_TRUE(run_until(ctx_, [&] { return late.has_value(); }));
  EXPECT_EQ(*late, Errc::stopped);
  store.reset();
  EXPECT_EQ(committed_rows(cfg_.path), 1);
}

TEST_F(StoreAsync, DestructorCommitsPendingMessages) {
  cfg_.commit_interval = std::chrono::hours(1);
  {
    Store store(ctx_.get_executor(), cfg_);
    open(store);
    store.async_append(numbered(1), asio::detached);
    ctx_.poll();
  }
  EXPECT_EQ(committed_rows(cfg_.path), 1);
}

TEST_F(StoreAsync, IdleStoreTruncatesItsWal) {
  StoreOptions options;
  options.idle_delay = 30ms;
  Store store(ctx_.get_executor(), cfg_, options);
  open(store);
  bool appended = false;
  store.async_append(numbered_range(0, 100),
                     [&](error_code, std::vector<Seq>) { appended = true; });
  ASSERT_TRUE(run_until(ctx_, [&] { return appended; }));
  const auto wal = std::filesystem::path(cfg_.path.string() + "-wal");
  EXPECT_GT(std::filesystem::file_size(wal), 0u);
  ASSERT_TRUE(run_until(ctx_, [&] { return store.counters().checkpoints > 0; }));
  EXPECT_EQ(std::filesystem::file_size(wal), 0u);
  stop(store);
}

TEST_F(StoreAsync, OperationsBeforeOpenFailWithNotOpen) {
  Store store(ctx_.get_executor(), cfg_);
  std::optional<error_code> result;
  store.async_append(numbered(1), [&](error_code ec, Seq) { result = ec; });
  ASSERT_TRUE(run_until(ctx_, [&] { return result.has_value(); }));
  EXPECT_EQ(*result, Errc::not_open);
}

TEST_F(StoreAsync, OpenFailureIsReportedNotThrown) {
  cfg_.path = dir_.path() / "missing" / "queue.db";
  Store store(ctx_.get_executor(), cfg_);
  std::optional<error_code> result;
  store.async_open([&](error_code ec) { result = ec; });
  ASSERT_TRUE(run_until(ctx_, [&] { return result.has_value(); }));
  EXPECT_EQ(*result, Errc::database_error);
  EXPECT_EQ(store.counters().errors, 1u);
}

}  // namespace
}  // namespace iotgw::bridge::store::test
