// The forwarder between a real store (in a temporary folder) and a scripted
// publisher that holds each completion until the test releases it, as a broker
// holds its PUBACK.
#include <algorithm>
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
    held_topics.push_back(message.topic);
  }

  // Completes the oldest held publication.
  void complete_oldest(Outcome outcome) {
    Done done = std::move(held.front());
    held.pop_front();
    held_topics.pop_front();
    done(outcome);
  }

  // Completes the held publication of `topic`, wherever it is.
  void complete(const std::string& topic, Outcome outcome) {
    const auto at = std::find(held_topics.begin(), held_topics.end(), topic);
    ASSERT_NE(at, held_topics.end()) << topic << " is not held";
    const auto index = at - held_topics.begin();
    Done done = std::move(held[static_cast<std::size_t>(index)]);
    held.erase(held.begin() + index);
    held_topics.erase(at);
    done(outcome);
  }

  std::vector<std::string> topics;
  std::deque<Done> held;
  std::deque<std::string> held_topics;  // of each held publication
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

// Resending undelivered messages itself (Sparkplug B): the forwarder starts
// paused, and a message given back undelivered pauses it until resume().

std::string topic_of(int n) {
  return numbered(n).topic;
}

TEST_F(ForwarderTest, ResendingUndeliveredItStartsPausedAndPublishesOnceResumed) {
  store::Store store(io_.get_executor(), config());
  open_and_append(store, 5);
  forwarder::Forwarder forwarder(io_.get_executor(), store, publisher_, 8, true);
  forwarder.start();
  io_.restart();
  io_.run_for(50ms);
  EXPECT_TRUE(publisher_.topics.empty());
  EXPECT_EQ(forwarder.counters().published, 0U);
  forwarder.resume();
  ASSERT_TRUE(run_until([&] { return publisher_.held.size() == 5; }));
  for (int n = 0; n < 5; ++n) {
    EXPECT_EQ(publisher_.topics[n], topic_of(n));
  }
  while (!publisher_.held.empty()) {
    publisher_.complete_oldest(Outcome::delivered);
  }
  ASSERT_TRUE(run_until([&] { return store.counters().rows == 0; }));
  forwarder.stop();
  stop(store);
}

TEST_F(ForwarderTest, MessagesGivenBackGoAgainFirstAndInTheirOrderAfterResume) {
  store::Store store(io_.get_executor(), config());
  open_and_append(store, 10);
  forwarder::Forwarder forwarder(io_.get_executor(), store, publisher_, 4, true);
  forwarder.start();
  forwarder.resume();
  ASSERT_TRUE(run_until([&] { return publisher_.held.size() == 4; }));  // 0 to 3
  publisher_.complete(topic_of(0), Outcome::delivered);
  ASSERT_TRUE(run_until([&] { return publisher_.topics.size() == 5; }));  // 4 goes out
  // The connection ends: the publisher gives back 3, 1 and 4, not in their
  // order, while 2 was acknowledged in time.
  publisher_.complete(topic_of(3), Outcome::undelivered);
  publisher_.complete(topic_of(1), Outcome::undelivered);
  publisher_.complete(topic_of(2), Outcome::delivered);
  publisher_.complete(topic_of(4), Outcome::undelivered);
  EXPECT_TRUE(publisher_.held.empty());
  // Paused: nothing goes out, though the window is free and 5 is at hand.
  io_.restart();
  io_.run_for(50ms);
  EXPECT_EQ(publisher_.topics.size(), 5U);
  // 0 and 2 are acknowledged in the store; 1, 3 and 4 stay.
  ASSERT_TRUE(run_until([&] { return store.counters().rows == 8; }));
  EXPECT_EQ(forwarder.counters().delivered, 2U);
  EXPECT_EQ(forwarder.counters().undelivered, 3U);

  forwarder.resume();
  ASSERT_TRUE(run_until([&] { return publisher_.topics.size() == 9; }));
  EXPECT_EQ(std::vector<std::string>(publisher_.topics.begin() + 5, publisher_.topics.end()),
            (std::vector<std::string>{topic_of(1), topic_of(3), topic_of(4), topic_of(5)}));
  while (forwarder.counters().delivered < 10) {
    ASSERT_TRUE(run_until([&] { return !publisher_.held.empty(); }));
    publisher_.complete_oldest(Outcome::delivered);
  }
  ASSERT_TRUE(run_until([&] { return store.counters().rows == 0; }));
  // Each message went out once, and those given back once more.
  for (int n = 0; n < 10; ++n) {
    const bool given_back = n == 1 || n == 3 || n == 4;
    EXPECT_EQ(std::count(publisher_.topics.begin(), publisher_.topics.end(), topic_of(n)),
              given_back ? 2 : 1)
        << n;
  }
  EXPECT_EQ(publisher_.topics.size(), 13U);
  forwarder.stop();
  stop(store);
}

TEST_F(ForwarderTest, APauseHoldsNewPublicationsWhileThoseOutComplete) {
  store::Store store(io_.get_executor(), config());
  open_and_append(store, 10);
  forwarder::Forwarder forwarder(io_.get_executor(), store, publisher_, 4, true);
  forwarder.start();
  forwarder.resume();
  ASSERT_TRUE(run_until([&] { return publisher_.held.size() == 4; }));
  forwarder.pause();
  publisher_.complete_oldest(Outcome::delivered);  // 0
  publisher_.complete_oldest(Outcome::delivered);  // 1
  io_.restart();
  io_.run_for(50ms);
  EXPECT_EQ(publisher_.topics.size(), 4U);
  EXPECT_EQ(publisher_.held.size(), 2U);
  ASSERT_TRUE(run_until([&] { return store.counters().rows == 8; }));
  forwarder.resume();
  ASSERT_TRUE(run_until([&] { return publisher_.topics.size() == 6; }));
  EXPECT_EQ(publisher_.topics[4], topic_of(4));
  EXPECT_EQ(publisher_.topics[5], topic_of(5));
  while (forwarder.counters().delivered < 10) {
    ASSERT_TRUE(run_until([&] { return !publisher_.held.empty(); }));
    publisher_.complete_oldest(Outcome::delivered);
  }
  ASSERT_TRUE(run_until([&] { return store.counters().rows == 0; }));
  EXPECT_EQ(publisher_.topics.size(), 10U);  // nothing twice
  forwarder.stop();
  stop(store);
}

}  // namespace
}  // namespace iotgw::bridge::forwarder
