// The forwarder between a real store (in a temporary folder) and a scripted
// publisher that holds each completion until the test releases it, as a broker
// holds its PUBACK.
#include <deque>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "bridge/forwarder/forwarder.hpp"
#include "tests/support/run_until.hpp"
#include "tests/unit/bridge/store/store_test_support.hpp"

namespace iotgw::bridge::forwarder {
namespace {

using namespace std::chrono_literals;
using store::test::numbered;
using store::test::store_config;
using store::test::TempDir;

class HeldPublisher final : public Publisher {
 public:
  void publish(const store::Message& message, Done done) override {
    topics.push_back(message.topic);
    held.push_back(std::move(done));
  }

  // Completes the oldest held publication.
  void complete_oldest(Outcome outcome) {
    Done done = std::move(held.front());
    held.pop_front();
    done(outcome);
  }

  std::vector<std::string> topics;
  std::deque<Done> held;
};

class ForwarderTest : public testing::Test {
 protected:
  bool run_until(const std::function<bool()>& condition) {
    return iotgw::test::run_until(io_, condition);
  }

  void open_and_append(store::Store& store, int count) {
    bool opened = false;
    store.async_open([&](store::error_code error) { opened = !error; });
    ASSERT_TRUE(run_until([&] { return opened; }));
    int appended = 0;
    for (int n = 0; n < count; ++n) {
      store.async_append(numbered(n), [&](store::error_code, store::Seq) { ++appended; });
    }
    ASSERT_TRUE(run_until([&] { return appended == count; }));
  }

  void stop(store::Store& store) {
    bool stopped = false;
    store.async_stop([&] { stopped = true; });
    ASSERT_TRUE(run_until([&] { return stopped; }));
  }

  config::Store config() const {
    config::Store store = store_config(dir_);
    store.commit_interval = 20ms;
    return store;
  }

  TempDir dir_;
  boost::asio::io_context io_;
  HeldPublisher publisher_;
};

TEST_F(ForwarderTest, PublishesInOrderWithinTheWindowAndAcksOnDelivery) {
  store::Store store(io_.get_executor(), config());
  open_and_append(store, 100);
  forwarder::Forwarder forwarder(io_.get_executor(), store, publisher_, 16);
  forwarder.start();
  ASSERT_TRUE(run_until([&] { return publisher_.held.size() == 16; }));
  io_.restart();
  io_.run_for(50ms);
  EXPECT_EQ(publisher_.held.size(), 16U);  // the window is full: nothing more is fetched
  while (forwarder.counters().delivered < 100) {
    ASSERT_TRUE(run_until([&] { return !publisher_.held.empty(); }));
    publisher_.complete_oldest(Outcome::delivered);
    EXPECT_LE(forwarder.outstanding(), 16U);
  }
  ASSERT_TRUE(run_until([&] { return store.counters().rows == 0; }));
  ASSERT_EQ(publisher_.topics.size(), 100U);
  for (int n = 0; n < 100; ++n) {
    EXPECT_EQ(publisher_.topics[n], numbered(n).topic);
  }
  forwarder.stop();
  stop(store);
}

// The forwarder reads half a window ahead: an acknowledgement is answered
// with the next message at once, without waiting for the store, which is
// asked again only once the half window is used up.
TEST_F(ForwarderTest, AnAcknowledgementIsAnsweredFromHalfAWindowReadAhead) {
  store::Store store(io_.get_executor(), config());
  open_and_append(store, 100);
  forwarder::Forwarder forwarder(io_.get_executor(), store, publisher_, 16);
  forwarder.start();
  ASSERT_TRUE(run_until([&] { return publisher_.held.size() == 16; }));
  io_.restart();
  io_.run_for(50ms);
  for (std::size_t n = 1; n <= 8; ++n) {
    publisher_.complete_oldest(Outcome::delivered);
    EXPECT_EQ(publisher_.topics.size(), 16 + n);  // before the io context runs again
  }
  publisher_.complete_oldest(Outcome::delivered);
  EXPECT_EQ(publisher_.topics.size(), 24U);  // the read-ahead is used up
  ASSERT_TRUE(run_until([&] { return publisher_.topics.size() == 25; }));
  for (std::size_t n = 0; n < publisher_.topics.size(); ++n) {
    EXPECT_EQ(publisher_.topics[n], numbered(static_cast<int>(n)).topic);
  }
  forwarder.stop();
  stop(store);
}

TEST_F(ForwarderTest, DropsARejectedMessageAndGoesOn) {
  store::Store store(io_.get_executor(), config());
  open_and_append(store, 3);
  forwarder::Forwarder forwarder(io_.get_executor(), store, publisher_, 8);
  forwarder.start();
  ASSERT_TRUE(run_until([&] { return publisher_.held.size() == 3; }));
  publisher_.complete_oldest(Outcome::rejected);
  publisher_.complete_oldest(Outcome::delivered);
  publisher_.complete_oldest(Outcome::delivered);
  ASSERT_TRUE(run_until([&] { return store.counters().rows == 0; }));
  EXPECT_EQ(forwarder.counters().rejected, 1U);
  EXPECT_EQ(forwarder.counters().delivered, 2U);
  forwarder.stop();
  stop(store);
}

TEST_F(ForwarderTest, DropsExpiredMessagesAndCountsThem) {
  store::Store store(io_.get_executor(), config());
  open_and_append(store, 3);
  forwarder::Forwarder forwarder(io_.get_executor(), store, publisher_, 8);
  forwarder.start();
  ASSERT_TRUE(run_until([&] { return publisher_.held.size() == 3; }));
  publisher_.complete_oldest(Outcome::expired);
  publisher_.complete_oldest(Outcome::expired);
  publisher_.complete_oldest(Outcome::delivered);
  ASSERT_TRUE(run_until([&] { return store.counters().rows == 0; }));
  EXPECT_EQ(forwarder.counters().expired, 2U);
  EXPECT_EQ(forwarder.counters().delivered, 1U);
  forwarder.stop();
  stop(store);
}

TEST_F(ForwarderTest, KeepsWhatTheBrokerNeverAcknowledged) {
  {
    store::Store store(io_.get_executor(), config());
    open_and_append(store, 10);
    forwarder::Forwarder forwarder(io_.get_executor(), store, publisher_, 4);
    forwarder.start();
    ASSERT_TRUE(run_until([&] { return publisher_.held.size() == 4; }));
    publisher_.complete_oldest(Outcome::delivered);    // 0
    publisher_.complete_oldest(Outcome::undelivered);  // 1
    ASSERT_TRUE(run_until([&] { return store.counters().rows == 9; }));
    forwarder.stop();
    stop(store);
    while (!publisher_.held.empty()) {
      publisher_.complete_oldest(Outcome::undelivered);
    }
  }
  // After a restart, everything but message 0 is handed out again, in order.
  publisher_.topics.clear();
  store::Store store(io_.get_executor(), config());
  open_and_append(store, 0);
  forwarder::Forwarder forwarder(io_.get_executor(), store, publisher_, 64);
  forwarder.start();
  ASSERT_TRUE(run_until([&] { return publisher_.held.size() == 9; }));
  for (int n = 1; n < 10; ++n) {
    EXPECT_EQ(publisher_.topics[n - 1], numbered(n).topic);
  }
  while (!publisher_.held.empty()) {
    publisher_.complete_oldest(Outcome::delivered);
  }
  ASSERT_TRUE(run_until([&] { return store.counters().rows == 0; }));
  forwarder.stop();
  stop(store);
}

}  // namespace
}  // namespace iotgw::bridge::forwarder
