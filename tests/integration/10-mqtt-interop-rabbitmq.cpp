// The MQTT client against a second, independent broker: RabbitMQ 3.10's MQTT
// plugin, started once for the whole binary (it takes about 15 s to boot).
// The same ground as 01-mqtt-client, plus what RabbitMQ does differently:
// it grants at most QoS 1, takes a QoS 2 PUBLISH at QoS 1 (PUBACK instead of
// PUBREC) and turns dots in topic names into slashes. Tests share the broker,
// so each uses its own client ids and topics. Every wait is a condition with
// a deadline.
#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "bridge/mqtt/io/client.hpp"
#include "tests/support/mqtt_peer.hpp"
#include "tests/support/rabbitmq_broker.hpp"
#include "tests/support/run_until.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using namespace std::chrono_literals;
using test::RabbitmqBroker;
using test::text;
using Peer = test::MqttPeer;

class RabbitmqInteropTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      broker_ = std::make_unique<RabbitmqBroker>();
      broker_->start();
    } catch (const std::exception& e) {
      broker_.reset();
      start_failure = e.what();
    }
  }

  static void TearDownTestSuite() { broker_.reset(); }

  void SetUp() override { ASSERT_TRUE(broker_) << start_failure; }

  void TearDown() override {
    for (auto& p : peers_) {
      stop(*p);
    }
    if (HasFailure() && broker_) {
      std::cerr << broker_->log();
    }
  }

  // RabbitMQ 3.10 speaks 3.1.1 only: the tests of its behaviour say so; the
  // fallback of version "auto" has a test of its own.
  config::Mqtt settings(std::string client_id) {
    config::Mqtt mqtt =
        test::mqtt_test_settings(broker_->url(), broker_->port(), std::move(client_id));
    mqtt.version = config::MqttVersion::v3_1_1;
    return mqtt;
  }

  // A started client; TearDown stops it.
  Peer& add(config::Mqtt mqtt) {
    peers_.push_back(std::make_unique<Peer>(std::move(mqtt)));
    Peer& p = *peers_.back();
    p.attach(io_);
    p.client->start();
    return p;
  }

  // Graceful: DISCONNECT, so the broker drops the will.
  void stop(Peer& p) {
    if (!p.stopped) {
      p.client->stop([&] { p.stopped = true; });
      run_until([&] { return p.stopped; });
    }
  }

  // Runs the io_context until `condition` holds; false after `timeout`.
  bool run_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5s) {
    return iotgw::test::run_until(io_, condition, timeout);
  }

  bool connected(Peer& p) {
    return run_until([&] { return p.client->connected(); });
  }

  // Subscribes and returns the code the SUBACK carried.
  std::optional<packet::ReasonCode> subscribe(Peer& p, std::string filter, packet::Qos level) {
    const test::SubscribeAnswer answer = p.subscribe(std::move(filter), level);
    if (!run_until([&] { return answer->has_value(); })) {
      ADD_FAILURE() << "no SUBACK";
      return std::nullopt;
    }
    if (!(*answer)->has_value() || (*answer)->value().size() != 1) {
      ADD_FAILURE() << "subscribe failed";
      return std::nullopt;
    }
    return (*answer)->value()[0];
  }

  // Publishes and returns the completion: nullopt if none came in time, else
  // what it carried (success when acknowledged), or the refusal.
  std::optional<Result<>> publish_and_wait(Peer& p, std::string topic, std::string payload,
                                           packet::Qos level, bool retain = false) {
    const Result<test::PublishCompletion> accepted = p.publish(topic, payload, level, retain);
    if (!accepted) {
      return Result<>(accepted.error());
    }
    const test::PublishCompletion& outcome = *accepted;
    run_until([&] { return outcome->has_value(); });
    return *outcome;
  }

  bool published(Peer& p, std::string topic, std::string payload, packet::Qos level,
                 bool retain = false) {
    const auto outcome = publish_and_wait(p, std::move(topic), std::move(payload), level, retain);
    return outcome.has_value() && outcome->has_value();
  }

  static inline std::unique_ptr<RabbitmqBroker> broker_;
  static inline std::string start_failure;
  boost::asio::io_context io_;
  std::vector<std::unique_ptr<Peer>> peers_;
};

TEST_F(RabbitmqInteropTest, ConnectsAndRoundTripsAtQos0And1) {
  Peer& a = add(settings("interop-roundtrip"));
  ASSERT_TRUE(connected(a));
  ASSERT_EQ(a.changes.size(), 1u);
  EXPECT_FALSE(a.changes[0].session_present);
  ASSERT_EQ(subscribe(a, "interop/rt/#", packet::Qos::at_least_once),
            packet::ReasonCode::granted_qos1);

  ASSERT_TRUE(published(a, "interop/rt/q0", "payload 0", packet::Qos::at_most_once));
  ASSERT_TRUE(published(a, "interop/rt/q1", "payload 1", packet::Qos::at_least_once));
  ASSERT_TRUE(run_until([&] { return a.messages.size() == 2; }));
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(a.messages[i].topic, "interop/rt/q" + std::to_string(i));
    EXPECT_EQ(text(a.messages[i].payload), "payload " + std::to_string(i));
    EXPECT_EQ(static_cast<int>(a.messages[i].qos), static_cast<int>(i));
  }
  EXPECT_EQ(a.client->counters().connects, 1u);
  EXPECT_EQ(a.client->counters().acked, 2u);
}

// Version "auto" offers MQTT 5 first; RabbitMQ 3.10 closes the connection
// without a CONNACK, and the client speaks 3.1.1 from then on and delivers.
TEST_F(RabbitmqInteropTest, AutoVersionFallsBackTo311AndDelivers) {
  config::Mqtt automatic = settings("interop-auto");
  automatic.version = config::MqttVersion::automatic;
  Peer& a = add(automatic);
  ASSERT_TRUE(connected(a));
  EXPECT_EQ(a.client->version(), packet::Version::v3_1_1);
  ASSERT_EQ(a.changes.size(), 2u);
  EXPECT_FALSE(a.changes[0].connected);
  EXPECT_TRUE(a.changes[1].connected);
  ASSERT_EQ(subscribe(a, "interop/auto/#", packet::Qos::at_least_once),
            packet::ReasonCode::granted_qos1);
  ASSERT_TRUE(published(a, "interop/auto/q1", "after the fallback", packet::Qos::at_least_once));
  ASSERT_TRUE(run_until([&] { return a.messages.size() == 1; }));
  EXPECT_EQ(text(a.messages[0].payload), "after the fallback");
  EXPECT_EQ(a.client->counters().connects, 1u);
}

// RabbitMQ 3.10 has no QoS 2: the SUBACK grants QoS 1, and the client must
// report that grant rather than the QoS it asked for.
TEST_F(RabbitmqInteropTest, Qos2SubscriptionIsGrantedQos1) {
  Peer& a = add(settings("interop-sub-qos2"));
  ASSERT_TRUE(connected(a));
  ASSERT_EQ(subscribe(a, "interop/subq2", packet::Qos::exactly_once),
            packet::ReasonCode::granted_qos1);

  ASSERT_TRUE(published(a, "interop/subq2", "at most one", packet::Qos::at_least_once));
  ASSERT_TRUE(run_until([&] { return a.messages.size() == 1; }));
  EXPECT_EQ(a.messages[0].qos, packet::Qos::at_least_once);
}

// RabbitMQ 3.10 takes a QoS 2 PUBLISH at QoS 1: it answers PUBACK (not
// PUBREC) and delivers the message at QoS 1. Whatever the client makes of
// that, the publish must complete once and the message reach a subscriber
// once; it must not be resent over and over on fresh connections.
TEST_F(RabbitmqInteropTest, Qos2PublishTakenAtQos1CompletesAndArrivesOnce) {
  Peer& watcher = add(settings("interop-pubq2-watcher"));
  ASSERT_TRUE(connected(watcher));
  ASSERT_EQ(subscribe(watcher, "interop/pubq2/#", packet::Qos::at_least_once),
            packet::ReasonCode::granted_qos1);
  Peer& a = add(settings("interop-pubq2"));
  ASSERT_TRUE(connected(a));

  const auto outcome =
      publish_and_wait(a, "interop/pubq2/data", "exactly once?", packet::Qos::exactly_once);
  EXPECT_TRUE(outcome.has_value()) << "the QoS 2 publish never completed; " << a.history();
  EXPECT_EQ(a.client->in_flight(), 0u);
  // The watcher's own marker comes after any copy the broker had queued for it.
  ASSERT_TRUE(published(watcher, "interop/pubq2/marker", "marker", packet::Qos::at_least_once));
  ASSERT_TRUE(run_until([&] { return watcher.received("marker") == 1; }));
  EXPECT_EQ(watcher.received("exactly once?"), 1u) << "publisher: " << a.history();
}

TEST_F(RabbitmqInteropTest, RetainedMessageReachesALaterSubscriber) {
  Peer& a = add(settings("interop-retain-pub"));
  ASSERT_TRUE(connected(a));
  ASSERT_TRUE(published(a, "interop/retained", "kept", packet::Qos::at_least_once, true));

  Peer& b = add(settings("interop-retain-sub"));
  ASSERT_TRUE(connected(b));
  ASSERT_EQ(subscribe(b, "interop/retained", packet::Qos::at_least_once),
            packet::ReasonCode::granted_qos1);
  ASSERT_TRUE(run_until([&] { return b.messages.size() == 1; }));
  EXPECT_EQ(text(b.messages[0].payload), "kept");
  EXPECT_TRUE(b.messages[0].retain);
}

TEST_F(RabbitmqInteropTest, WillOnAbruptLossButNotAfterGracefulStop) {
  Peer& watcher = add(settings("interop-will-watcher"));
  ASSERT_TRUE(connected(watcher));
  ASSERT_EQ(subscribe(watcher, "interop/will/#", packet::Qos::at_least_once),
            packet::ReasonCode::granted_qos1);

  config::Mqtt with_will = settings("interop-will-client");
  with_will.will = config::Will{"interop/will/status", "offline", 1, false};
  Peer& a = add(with_will);
  ASSERT_TRUE(connected(a));

  a.client->abort_connection();
  ASSERT_TRUE(run_until([&] { return watcher.messages.size() == 1; }));
  EXPECT_EQ(watcher.messages[0].topic, "interop/will/status");
  EXPECT_EQ(text(watcher.messages[0].payload), "offline");

  // It reconnects by itself, then leaves politely: no second will.
  ASSERT_TRUE(run_until([&] { return a.client->counters().connects == 2; }));
  stop(a);
  ASSERT_TRUE(a.stopped);
  ASSERT_TRUE(published(watcher, "interop/will/marker", "after stop", packet::Qos::at_least_once));
  ASSERT_TRUE(run_until([&] { return watcher.received("after stop") == 1; }));
  EXPECT_EQ(watcher.received("offline"), 1u);
}

// clean_session = false: what was published while the client was away waits
// in the broker and arrives, in order, when the same client id comes back.
TEST_F(RabbitmqInteropTest, PersistentSessionDeliversWhatArrivedWhileAway) {
  config::Mqtt persistent = settings("interop-persist-sub");
  persistent.clean_session = false;
  Peer& first = add(persistent);
  ASSERT_TRUE(connected(first));
  ASSERT_EQ(subscribe(first, "interop/persist", packet::Qos::at_least_once),
            packet::ReasonCode::granted_qos1);
  stop(first);
  ASSERT_TRUE(first.stopped);

  Peer& publisher = add(settings("interop-persist-pub"));
  ASSERT_TRUE(connected(publisher));
  constexpr int count = 10;
  for (int i = 0; i < count; ++i) {
    ASSERT_TRUE(published(publisher, "interop/persist", "m" + std::to_string(i),
                          packet::Qos::at_least_once));
  }

  Peer& again = add(persistent);
  ASSERT_TRUE(connected(again));
  EXPECT_TRUE(again.changes[0].session_present);
  ASSERT_TRUE(run_until([&] { return again.messages.size() >= count; }));
  ASSERT_EQ(again.messages.size(), static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    EXPECT_EQ(text(again.messages[i].payload), "m" + std::to_string(i));
    EXPECT_EQ(again.messages[i].qos, packet::Qos::at_least_once);
  }
}

TEST_F(RabbitmqInteropTest, WrongPasswordRefusedAsBadCredentials) {
  config::Mqtt wrong = settings("interop-auth-wrong");
  wrong.username = "iotgw";
  wrong.password = "not the password";
  Peer& a = add(wrong);
  ASSERT_TRUE(run_until([&] { return a.client->counters().refusals >= 2; }));
  EXPECT_EQ(a.client->counters().connects, 0u);
  const io::ConnectionEvent& refused = a.changes.back();
  ASSERT_TRUE(refused.refusal.has_value());
  // Unlike Mosquitto (code 5), RabbitMQ answers a wrong password with code 4.
  EXPECT_EQ(*refused.refusal, packet::ReasonCode::bad_user_name_or_password);
  EXPECT_NE(refused.reason.find("Bad User Name or Password"), std::string::npos) << refused.reason;

  config::Mqtt right = settings("interop-auth-right");
  right.username = "iotgw";
  right.password = "secret";
  Peer& b = add(right);
  ASSERT_TRUE(connected(b));
}

// RabbitMQ routes MQTT topics as AMQP routing keys, where '.' separates
// words: a dot in a topic name comes back to subscribers as a slash. Device
// and point names with dots are therefore not safe topic levels on RabbitMQ.
TEST_F(RabbitmqInteropTest, DotsInTopicNamesComeBackAsSlashes) {
  Peer& a = add(settings("interop-dots"));
  ASSERT_TRUE(connected(a));
  ASSERT_EQ(subscribe(a, "interop/dots/#", packet::Qos::at_least_once),
            packet::ReasonCode::granted_qos1);
  ASSERT_TRUE(published(a, "interop/dots/sensor.temp", "21.5", packet::Qos::at_least_once));
  ASSERT_TRUE(run_until([&] { return a.messages.size() == 1; }));
  EXPECT_EQ(a.messages[0].topic, "interop/dots/sensor/temp");
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
