// The MQTT client against a real Mosquitto started by each test on a free
// loopback port: round trips at QoS 0, 1 and 2, retained messages, the will
// after an abrupt loss and none after a graceful stop, dead-peer detection
// with the broker frozen by SIGSTOP, a broker restart with persistent
// sessions, refused credentials, a refused subscription asked for again,
// the in-flight window, a message larger than
// max_packet_size (retained, and queued for a persistent session) dropped
// without losing the connection, and an mqtts:// set-up that cannot be built
// reported at every attempt (TLS connections themselves are tested in
// 08-tls). Every wait is a condition with a deadline.
#include <algorithm>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "bridge/mqtt/io/client.hpp"
#include "tests/support/mosquitto_broker.hpp"
#include "tests/support/mqtt_peer.hpp"
#include "tests/support/run_until.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using namespace std::chrono_literals;
using test::bytes;
using test::MosquittoBroker;
using test::text;
using Peer = test::MqttPeer;

// Sends the log to a string while it lives, instead of the default logger.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>(
        "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(lines_));
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(std::move(logger));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // How many lines logged so far contain `text`.
  std::size_t count(std::string_view text) const {
    std::istringstream in(lines_.str());
    std::size_t found = 0;
    for (std::string line; std::getline(in, line);) {
      found += line.find(text) != std::string::npos ? 1 : 0;
    }
    return found;
  }

 private:
  std::ostringstream lines_;
  std::shared_ptr<spdlog::logger> previous_;
};

class MqttClientTest : public testing::Test {
 protected:
  ~MqttClientTest() override {
    for (auto& p : peers_) {
      bool done = false;
      p->client->stop([&] { done = true; });
      run_until([&] { return done; }, 5s);
    }
  }

  // The test's broker; it outlives the clients, which stop first.
  MosquittoBroker& start_broker(MosquittoBroker::Options options = {}) {
    broker_ = std::make_unique<MosquittoBroker>(std::move(options));
    broker_->start();
    return *broker_;
  }

  config::Mqtt settings(const MosquittoBroker& broker, std::string client_id) {
    return test::mqtt_test_settings(broker.url(), broker.port(), std::move(client_id));
  }

  // A started client; the fixture stops it at the end.
  Peer& add(config::Mqtt mqtt, bool start = true) {
    peers_.push_back(std::make_unique<Peer>(std::move(mqtt)));
    Peer& p = *peers_.back();
    p.attach(io_);
    if (start) {
      p.client->start();
    }
    return p;
  }

  // Runs the io_context until `condition` holds; false after `timeout`.
  bool run_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5s) {
    return iotgw::test::run_until(io_, condition, timeout);
  }

  bool connected(Peer& p) {
    return run_until([&] { return p.client->connected(); });
  }

  // Subscribes and waits for the SUBACK.
  void subscribe(Peer& p, std::string filter, packet::Qos level) {
    const test::SubscribeAnswer answer = p.subscribe(std::move(filter), level);
    ASSERT_TRUE(run_until([&] { return answer->has_value(); }));
    ASSERT_TRUE((*answer)->has_value()) << (*answer)->error().reason;
    ASSERT_EQ((*answer)->value().size(), 1u);
    ASSERT_FALSE(packet::is_failure((*answer)->value()[0]));
  }

  // Publishes and waits for the completion; true when it succeeded.
  bool publish_and_wait(Peer& p, std::string topic, std::string payload, packet::Qos level,
                        bool retain = false) {
    const Result<test::PublishCompletion> accepted = p.publish(topic, payload, level, retain);
    if (!accepted) {
      ADD_FAILURE() << "refused: " << accepted.error().reason;
      return false;
    }
    const test::PublishCompletion& outcome = *accepted;
    return run_until([&] { return outcome->has_value(); }) && (*outcome)->has_value();
  }

  std::unique_ptr<MosquittoBroker> broker_;
  boost::asio::io_context io_;
  std::vector<std::unique_ptr<Peer>> peers_;
};

TEST_F(MqttClientTest, RoundTripAtEachQos) {
  MosquittoBroker& broker = start_broker();
  Peer& a = add(settings(broker, "it-roundtrip"));
  ASSERT_TRUE(connected(a));
  subscribe(a, "it/rt/#", packet::Qos::exactly_once);

  for (const packet::Qos level :
       {packet::Qos::at_most_once, packet::Qos::at_least_once, packet::Qos::exactly_once}) {
    const std::string n = std::to_string(static_cast<int>(level));
    ASSERT_TRUE(publish_and_wait(a, "it/rt/q" + n, "payload " + n, level));
  }
  ASSERT_TRUE(run_until([&] { return a.messages.size() == 3; }));
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(a.messages[i].topic, "it/rt/q" + std::to_string(i));
    EXPECT_EQ(text(a.messages[i].payload), "payload " + std::to_string(i));
    EXPECT_EQ(static_cast<int>(a.messages[i].qos), static_cast<int>(i));
  }
  const io::ClientCounters& counters = a.client->counters();
  EXPECT_EQ(counters.connects, 1u);
  EXPECT_EQ(counters.published, 3u);
  EXPECT_EQ(counters.acked, 3u);
  EXPECT_EQ(counters.received, 3u);
  EXPECT_GT(counters.bytes_in, 0u);
  EXPECT_GT(counters.bytes_out, 0u);
}

TEST_F(MqttClientTest, SubscriptionsRestoredWhenTheBrokerLostTheSession) {
  MosquittoBroker& broker = start_broker();
  Peer& a = add(settings(broker, "it-restore"));
  ASSERT_TRUE(connected(a));
  subscribe(a, "it/restore", packet::Qos::at_least_once);

  a.client->abort_connection();
  ASSERT_TRUE(run_until([&] { return a.client->counters().connects == 2; }));
  EXPECT_FALSE(a.changes.back().session_present);
  ASSERT_TRUE(publish_and_wait(a, "it/restore", "again", packet::Qos::at_least_once));
  ASSERT_TRUE(run_until([&] { return a.messages.size() == 1; }));
  EXPECT_EQ(text(a.messages[0].payload), "again");
}

// A subscription the broker refuses (here by its access control: MQTT 5
// SUBACK 0x87) is asked for again at every connection until it is granted.
TEST_F(MqttClientTest, RefusedSubscriptionAskedAgainAtTheNextConnection) {
  MosquittoBroker::Options options;
  options.dynamic_security = true;
  MosquittoBroker& broker = start_broker(options);
  Peer& a = add(settings(broker, "it-acl"));
  ASSERT_TRUE(connected(a));
  const test::SubscribeAnswer refused = a.subscribe("it/acl/closed", packet::Qos::at_least_once);
  ASSERT_TRUE(run_until([&] { return refused->has_value(); }));
  ASSERT_TRUE((*refused)->has_value()) << (*refused)->error().reason;
  ASSERT_EQ((*refused)->value(), std::vector{packet::ReasonCode::not_authorized});

  broker.allow_subscriptions();
  a.client->abort_connection();
  ASSERT_TRUE(run_until([&] { return a.client->counters().connects == 2; }));
  // The SUBACK of the renewed request comes before the PUBACK of a publish
  // sent after it; the broker then delivers it to the subscription.
  ASSERT_TRUE(publish_and_wait(a, "it/acl/closed", "granted now", packet::Qos::at_least_once));
  ASSERT_TRUE(run_until([&] { return a.messages.size() == 1; })) << a.history();
  EXPECT_EQ(text(a.messages[0].payload), "granted now");
}

TEST_F(MqttClientTest, RetainedMessageReachesALaterSubscriber) {
  MosquittoBroker& broker = start_broker();
  Peer& a = add(settings(broker, "it-retain-pub"));
  ASSERT_TRUE(connected(a));
  ASSERT_TRUE(publish_and_wait(a, "it/retained", "kept", packet::Qos::at_least_once, true));

  Peer& b = add(settings(broker, "it-retain-sub"));
  ASSERT_TRUE(connected(b));
  subscribe(b, "it/retained", packet::Qos::at_least_once);
  ASSERT_TRUE(run_until([&] { return b.messages.size() == 1; }));
  EXPECT_EQ(text(b.messages[0].payload), "kept");
  EXPECT_TRUE(b.messages[0].retain);
}

TEST_F(MqttClientTest, WillOnAbruptLossButNotAfterGracefulStop) {
  MosquittoBroker& broker = start_broker();
  Peer& watcher = add(settings(broker, "it-will-watcher"));
  ASSERT_TRUE(connected(watcher));
  subscribe(watcher, "it/will/#", packet::Qos::at_least_once);

  config::Mqtt with_will = settings(broker, "it-will-client");
  with_will.will = config::Will{"it/will/status", "offline", 1, false};
  Peer& a = add(with_will);
  ASSERT_TRUE(connected(a));

  a.client->abort_connection();
  ASSERT_TRUE(run_until([&] { return watcher.messages.size() == 1; }));
  EXPECT_EQ(watcher.messages[0].topic, "it/will/status");
  EXPECT_EQ(text(watcher.messages[0].payload), "offline");

  // It reconnects by itself, then leaves politely: no second will.
  ASSERT_TRUE(run_until([&] { return a.client->counters().connects == 2; }));
  bool stopped = false;
  a.client->stop([&] { stopped = true; });
  ASSERT_TRUE(run_until([&] { return stopped; }));
  // The broker handles the DISCONNECT before a message sent after it.
  ASSERT_TRUE(
      publish_and_wait(watcher, "it/will/marker", "after stop", packet::Qos::at_least_once));
  ASSERT_TRUE(run_until([&] { return watcher.messages.size() == 2; }));
  EXPECT_EQ(watcher.messages[1].topic, "it/will/marker");
}

TEST_F(MqttClientTest, DeadBrokerDetectedWithinOneAndAHalfKeepalives) {
  MosquittoBroker& broker = start_broker();
  config::Mqtt fast = settings(broker, "it-keepalive");
  fast.keepalive = 1s;
  Peer& a = add(fast);
  ASSERT_TRUE(connected(a));

  broker.pause();
  const auto frozen = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until([&] { return a.disconnections() == 1; }, 4s));
  const auto detected = std::chrono::steady_clock::now() - frozen;
  // 1.5 keepalives since the last packet from the broker, which came before
  // the freeze; a little slack for a loaded machine.
  EXPECT_LE(detected, 1500ms + 300ms);
  EXPECT_NE(a.changes.back().reason.find("1.5 keepalive"), std::string::npos)
      << a.changes.back().reason;

  broker.resume();
  ASSERT_TRUE(run_until([&] { return a.client->counters().connects == 2; }, 15s));
  ASSERT_TRUE(publish_and_wait(a, "it/keepalive", "alive", packet::Qos::at_least_once));
}

TEST_F(MqttClientTest, PersistentSessionLosesNothingAcrossABrokerRestart) {
  MosquittoBroker::Options options;
  options.persistence = true;
  MosquittoBroker& broker = start_broker(options);
  config::Mqtt subscriber = settings(broker, "it-persist-sub");
  subscriber.clean_session = false;
  Peer& s = add(subscriber);
  config::Mqtt publisher = settings(broker, "it-persist-pub");
  publisher.clean_session = false;
  Peer& p = add(publisher);
  ASSERT_TRUE(connected(s));
  ASSERT_TRUE(connected(p));
  subscribe(s, "it/persist", packet::Qos::at_least_once);

  broker.stop();
  ASSERT_TRUE(run_until([&] { return !s.client->connected() && !p.client->connected(); }));

  // Accepted while the broker is down; they wait in the window.
  constexpr int count = 50;
  int acknowledged = 0;
  for (int i = 0; i < count; ++i) {
    const auto body = bytes("m" + std::to_string(i));
    const Result<> accepted = p.client->publish(
        "it/persist", body, packet::Qos::at_least_once, false, [&](const Result<>& done) {
          EXPECT_TRUE(done.has_value()) << done.error().reason;
          ++acknowledged;
        });
    ASSERT_TRUE(accepted) << accepted.error().reason;
  }

  broker.start();
  ASSERT_TRUE(run_until([&] { return acknowledged == count; }, 10s));
  ASSERT_TRUE(run_until([&] { return s.messages.size() >= count; }, 10s));
  std::vector<std::string> got;
  for (const packet::Publish& message : s.messages) {
    got.push_back(text(message.payload));
  }
  for (int i = 0; i < count; ++i) {
    EXPECT_NE(std::find(got.begin(), got.end(), "m" + std::to_string(i)), got.end()) << i;
  }
  EXPECT_TRUE(s.changes.back().session_present);
}

TEST_F(MqttClientTest, RefusedCredentialsReportedAndRetried) {
  MosquittoBroker::Options options;
  options.username = "alice";
  options.password = "secret";
  MosquittoBroker& broker = start_broker(options);
  config::Mqtt wrong = settings(broker, "it-auth-wrong");
  wrong.username = "alice";
  wrong.password = "not the password";
  Peer& a = add(wrong);
  ASSERT_TRUE(run_until([&] { return a.client->counters().refusals >= 2; }));
  EXPECT_EQ(a.client->counters().connects, 0u);
  const io::ConnectionEvent& refused = a.changes.back();
  ASSERT_TRUE(refused.refusal.has_value());
  // Mosquitto answers a wrong password on 3.1.1 with code 5.
  EXPECT_EQ(*refused.refusal, packet::ReasonCode::not_authorized);
  EXPECT_NE(refused.reason.find("Not authorized"), std::string::npos) << refused.reason;

  config::Mqtt right = settings(broker, "it-auth-right");
  right.username = "alice";
  right.password = "secret";
  Peer& b = add(right);
  ASSERT_TRUE(connected(b));
}

TEST_F(MqttClientTest, InFlightWindowRefusesWhenFullAndDrainsOnConnect) {
  MosquittoBroker& broker = start_broker();
  config::Mqtt small = settings(broker, "it-window");
  small.inflight = 4;
  Peer& a = add(small, false);
  int acknowledged = 0;
  const auto body = bytes("w");
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(a.client->publish("it/window", body, packet::Qos::at_least_once, false,
                                  [&](const Result<>& done) {
                                    EXPECT_TRUE(done.has_value());
                                    ++acknowledged;
                                  }));
  }
  EXPECT_TRUE(a.client->window_full());
  const Result<> refused = a.client->publish(
      "it/window", body, packet::Qos::at_least_once, false,
      [](const auto&) { ADD_FAILURE() << "a refused publish must not complete"; });
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, Errc::window_full);
  // QoS 0 needs a connection.
  EXPECT_FALSE(
      a.client->publish("it/window", body, packet::Qos::at_most_once, false, {}).has_value());

  a.client->start();
  ASSERT_TRUE(run_until([&] { return acknowledged == 4; }));
  EXPECT_EQ(a.client->in_flight(), 0u);
}

TEST_F(MqttClientTest, StopGivesUpWhatTheBrokerNeverAcknowledged) {
  MosquittoBroker& broker = start_broker();
  Peer& a = add(settings(broker, "it-stop"), false);
  std::optional<Result<>> given_up;
  const auto body = bytes("never sent");
  ASSERT_TRUE(a.client->publish("it/stop", body, packet::Qos::at_least_once, false,
                                [&](const Result<>& done) { given_up = done; }));
  int stops = 0;
  a.client->stop([&] { ++stops; });
  ASSERT_TRUE(run_until([&] { return stops == 1; }));
  ASSERT_TRUE(given_up.has_value());
  ASSERT_FALSE(given_up->has_value());
  EXPECT_EQ(given_up->error().code, Errc::not_connected);
  // Stopping again calls back at once; publishing is refused.
  a.client->stop([&] { ++stops; });
  ASSERT_TRUE(run_until([&] { return stops == 2; }));
  EXPECT_FALSE(
      a.client->publish("it/stop", body, packet::Qos::at_least_once, false, {}).has_value());
}

TEST_F(MqttClientTest, MessageAboveMaxPacketSizeIsDroppedAndTheConnectionKept) {
  MosquittoBroker& broker = start_broker();
  Peer& p = add(settings(broker, "it-big-pub"));
  ASSERT_TRUE(connected(p));
  const std::string megabyte(1024 * 1024, 'x');
  ASSERT_TRUE(publish_and_wait(p, "it/big/cmd/set", megabyte, packet::Qos::at_least_once, true));

  // A gateway-like client: persistent session, command topics at QoS 1, and
  // a limit small enough for the test to be quick.
  config::Mqtt gateway = settings(broker, "it-big-gw");
  gateway.clean_session = false;
  gateway.max_packet_size = 64 * 1024;
  // MQTT 3.1.1: the broker cannot be told the limit, so the message comes and
  // is skipped (MQTT 5 tells it Maximum Packet Size and the broker drops it).
  gateway.version = config::MqttVersion::v3_1_1;
  Peer& g = add(gateway);
  ASSERT_TRUE(connected(g));
  subscribe(g, "it/big/cmd/#",
            packet::Qos::at_least_once);  // the broker sends the retained megabyte
  ASSERT_TRUE(run_until([&] { return g.client->counters().dropped_oversized == 1; }));

  // Still connected: commands after it arrive and telemetry goes out.
  ASSERT_TRUE(publish_and_wait(p, "it/big/cmd/set", "small", packet::Qos::at_least_once));
  ASSERT_TRUE(run_until([&] { return g.messages.size() == 1; }));
  EXPECT_EQ(text(g.messages[0].payload), "small");
  ASSERT_TRUE(publish_and_wait(g, "it/big/telemetry", "23.5", packet::Qos::at_least_once));
  EXPECT_EQ(g.disconnections(), 0u);
  EXPECT_EQ(g.client->counters().connects, 1u);
  EXPECT_EQ(g.client->counters().received, 1u);
}

// MQTT 5 tells the broker the limit (Maximum Packet Size in CONNECT), and the
// broker drops what is larger itself: nothing oversized reaches the client.
TEST_F(MqttClientTest, Mqtt5BrokerDropsWhatIsAboveTheMaximumPacketSizeItWasTold) {
  MosquittoBroker& broker = start_broker();
  Peer& p = add(settings(broker, "it-big5-pub"));
  config::Mqtt gateway = settings(broker, "it-big5-gw");
  gateway.max_packet_size = 64 * 1024;
  gateway.version = config::MqttVersion::v5;
  Peer& g = add(gateway);
  ASSERT_TRUE(connected(p));
  ASSERT_TRUE(connected(g));
  subscribe(g, "it/big5/cmd/#", packet::Qos::at_least_once);

  ASSERT_TRUE(publish_and_wait(p, "it/big5/cmd/set", std::string(100 * 1024, 'x'),
                               packet::Qos::at_least_once));
  // Sent after the big one on the same path, so it arrives after it would have.
  ASSERT_TRUE(publish_and_wait(p, "it/big5/cmd/set", "small", packet::Qos::at_least_once));
  ASSERT_TRUE(run_until([&] { return g.messages.size() == 1; }));
  EXPECT_EQ(text(g.messages[0].payload), "small");
  EXPECT_EQ(g.client->counters().dropped_oversized, 0u);
  EXPECT_EQ(g.client->counters().received, 1u);
  EXPECT_EQ(g.disconnections(), 0u);
}

TEST_F(MqttClientTest, FloodOfMessagesAboveMaxPacketSizeLogsOneLine) {
  const LogCapture log;
  MosquittoBroker& broker = start_broker();
  Peer& p = add(settings(broker, "it-flood-pub"));
  config::Mqtt gateway = settings(broker, "it-flood-gw");
  gateway.max_packet_size = 64 * 1024;
  // MQTT 3.1.1: the broker cannot be told the limit, so the message comes and
  // is skipped (MQTT 5 tells it Maximum Packet Size and the broker drops it).
  gateway.version = config::MqttVersion::v3_1_1;
  Peer& g = add(gateway);
  ASSERT_TRUE(connected(p));
  ASSERT_TRUE(connected(g));
  subscribe(g, "it/flood/cmd/#", packet::Qos::at_least_once);

  const std::string too_big(100 * 1024, 'x');
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(publish_and_wait(p, "it/flood/cmd/" + std::to_string(i), too_big,
                                 packet::Qos::at_least_once));
  }
  ASSERT_TRUE(run_until([&] { return g.client->counters().dropped_oversized == 20; }));
  // The first is logged; the others, within the minute, only counted.
  EXPECT_EQ(log.count("mqtt: dropped a message of"), 1u);
  EXPECT_EQ(g.disconnections(), 0u);
  ASSERT_TRUE(publish_and_wait(g, "it/flood/telemetry", "23.5", packet::Qos::at_least_once));
}

TEST_F(MqttClientTest, MessageAboveMaxPacketSizeQueuedForThePersistentSessionIsAcknowledgedOnce) {
  MosquittoBroker& broker = start_broker();
  Peer& p = add(settings(broker, "it-queued-pub"));
  ASSERT_TRUE(connected(p));
  config::Mqtt gateway = settings(broker, "it-queued-gw");
  gateway.clean_session = false;
  gateway.max_packet_size = 64 * 1024;
  // MQTT 3.1.1: the broker cannot be told the limit, so the message comes and
  // is skipped (MQTT 5 tells it Maximum Packet Size and the broker drops it).
  gateway.version = config::MqttVersion::v3_1_1;
  Peer& first = add(gateway);
  ASSERT_TRUE(connected(first));
  subscribe(first, "it/queued/cmd/#", packet::Qos::at_least_once);
  bool stopped = false;
  first.client->stop([&] { stopped = true; });
  ASSERT_TRUE(run_until([&] { return stopped; }));

  // While the gateway is away the broker queues a megabyte for its session.
  const std::string megabyte(1024 * 1024, 'x');
  ASSERT_TRUE(publish_and_wait(p, "it/queued/cmd/set", megabyte, packet::Qos::at_least_once));

  Peer& g = add(gateway);
  ASSERT_TRUE(connected(g));
  EXPECT_TRUE(g.changes.back().session_present);
  ASSERT_TRUE(run_until([&] { return g.client->counters().dropped_oversized == 1; }));
  ASSERT_TRUE(publish_and_wait(p, "it/queued/cmd/set", "marker 1", packet::Qos::at_least_once));
  ASSERT_TRUE(run_until([&] { return g.messages.size() == 1; }));

  // It was acknowledged: after a lost connection the broker does not send it
  // again (it would come before a message published after the reconnect).
  g.client->abort_connection();
  ASSERT_TRUE(run_until([&] { return g.client->counters().connects == 2; }));
  ASSERT_TRUE(publish_and_wait(p, "it/queued/cmd/set", "marker 2", packet::Qos::at_least_once));
  ASSERT_TRUE(run_until([&] { return g.messages.size() == 2; }));
  EXPECT_EQ(text(g.messages[1].payload), "marker 2");
  EXPECT_EQ(g.client->counters().dropped_oversized, 1u);
  ASSERT_TRUE(publish_and_wait(g, "it/queued/telemetry", "23.5", packet::Qos::at_least_once));
}

TEST_F(MqttClientTest, UnreadableTlsSetUpIsReportedAtEveryAttempt) {
  config::Mqtt tls;
  tls.brokers = {
      {.url = "mqtts://127.0.0.1:8883", .use_tls = true, .host = "127.0.0.1", .port = 8883}};
  tls.client_id = "it-tls";
  tls.reconnect_min = 20ms;
  tls.reconnect_max = 50ms;
  tls.tls.ca_file = "/nonexistent/iotgw-test-ca.pem";
  tls.tls.server_name = "127.0.0.1";
  Peer& a = add(tls);
  ASSERT_TRUE(run_until([&] { return a.changes.size() >= 2; }));
  for (const io::ConnectionEvent& change : a.changes) {
    EXPECT_FALSE(change.connected);
    EXPECT_NE(change.reason.find("TLS set-up failed"), std::string::npos) << change.reason;
    EXPECT_NE(change.reason.find("/nonexistent/iotgw-test-ca.pem"), std::string::npos)
        << change.reason;
  }
  EXPECT_EQ(a.client->counters().connects, 0u);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
