// StoreAppender: the messages of one turn of the io_context go to a real
// store as one batch; each batch is reported once, in order.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include "gateway/store_appender.hpp"
#include "tests/support/run_until.hpp"
#include "tests/support/temp_dir.hpp"

namespace iotgw::gateway {
namespace {

using bridge::store::error_code;
using bridge::store::Seq;
using test::run_until;

bridge::store::Message reading(int n) {
  bridge::store::Message m;
  m.topic = "iotgw/gw/dev/p" + std::to_string(n);
  m.payload = {'1'};
  return m;
}

class StoreAppenderTest : public ::testing::Test {
 protected:
  StoreAppenderTest() {
    cfg_.path = dir_.path() / "queue.db";
    cfg_.commit_interval = std::chrono::milliseconds(10);
    store_ = std::make_unique<bridge::store::Store>(ctx_.get_executor(), cfg_);
    bool opened = false;
    store_->async_open([&](error_code ec) { opened = !ec; });
    EXPECT_TRUE(run_until(ctx_, [&] { return opened; }));
  }

  ~StoreAppenderTest() override {
    if (!stopped_) {
      stop();
    }
  }

  void stop() {
    store_->async_stop([&] { stopped_ = true; });
    EXPECT_TRUE(run_until(ctx_, [&] { return stopped_; }));
  }

  StoreAppender::Done record() {
    return [this](error_code ec, std::span<const Seq> seqs) {
      EXPECT_FALSE(ec);
      batches_.emplace_back(seqs.begin(), seqs.end());
    };
  }

  test::TempDir dir_;
  config::Store cfg_;
  boost::asio::io_context ctx_;
  std::unique_ptr<bridge::store::Store> store_;
  std::vector<std::vector<Seq>> batches_;
  bool stopped_ = false;
};

TEST_F(StoreAppenderTest, TheMessagesOfOneTurnGoAsOneBatch) {
  StoreAppender appender(ctx_.get_executor(), *store_, record());
  boost::asio::post(ctx_, [&] {
    for (int n = 0; n < 100; ++n) {
      appender.append(reading(n));
    }
  });
  ASSERT_TRUE(run_until(ctx_, [&] { return !batches_.empty(); }));
  ASSERT_EQ(batches_.size(), 1u);
  EXPECT_EQ(batches_[0].size(), 100u);
  EXPECT_EQ(batches_[0].front(), 1u);
  EXPECT_EQ(batches_[0].back(), 100u);
  EXPECT_EQ(store_->counters().appended, 100u);
}

TEST_F(StoreAppenderTest, LaterTurnsMakeLaterBatchesReportedInOrder) {
  StoreAppender appender(ctx_.get_executor(), *store_, record());
  boost::asio::post(ctx_, [&] {
    appender.append(reading(0));
    appender.append(reading(1));
  });
  ASSERT_TRUE(run_until(ctx_, [&] { return batches_.size() == 1; }));
  boost::asio::post(ctx_, [&] { appender.append(reading(2)); });
  ASSERT_TRUE(run_until(ctx_, [&] { return batches_.size() == 2; }));
  EXPECT_EQ(batches_[0], (std::vector<Seq>{1, 2}));
  EXPECT_EQ(batches_[1], (std::vector<Seq>{3}));
}

TEST_F(StoreAppenderTest, WaitingIsTimedFromTheOldestMessageNotCommitted) {
  StoreAppender appender(ctx_.get_executor(), *store_, record());
  EXPECT_FALSE(appender.oldest_waiting());
  const auto before = std::chrono::steady_clock::now();
  appender.append(reading(0));
  ASSERT_TRUE(appender.oldest_waiting());
  EXPECT_GE(*appender.oldest_waiting(), before);
  appender.flush();
  EXPECT_TRUE(appender.oldest_waiting()) << "handed to the store, not committed yet";
  ASSERT_TRUE(run_until(ctx_, [&] { return batches_.size() == 1; }));
  EXPECT_FALSE(appender.oldest_waiting());
}

TEST_F(StoreAppenderTest, AFlushHandsTheBatchOverAtOnce) {
  StoreAppender appender(ctx_.get_executor(), *store_, record());
  appender.append(reading(0));
  appender.flush();
  stop();
  ASSERT_TRUE(run_until(ctx_, [&] { return batches_.size() == 1; }));
  EXPECT_EQ(batches_[0], (std::vector<Seq>{1}));
}

}  // namespace
}  // namespace iotgw::gateway
