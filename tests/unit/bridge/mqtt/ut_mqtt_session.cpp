// The sans-I/O session core: scripted exchanges with hand-written bytes and
// time passed in as values.
#include <chrono>

#include <gtest/gtest.h>

#include "bridge/mqtt/session.hpp"
#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using namespace std::chrono_literals;
using namespace test;

const TimePoint t0{};

const Bytes publish_qos1_id1 = {
    0x32, 0x06,        // PUBLISH QoS 1, remaining length 6
    0x00, 0x01, 0x74,  // topic "t"
    0x00, 0x01,        // packet id 1
    0x76,              // payload "v"
};
const Bytes publish_qos2_id2 = {
    0x34, 0x06,        // PUBLISH QoS 2, remaining length 6
    0x00, 0x01, 0x74,  // topic "t"
    0x00, 0x02,        // packet id 2
    0x76,              // payload "v"
};

SessionConfig config(std::size_t window = 64) {
  SessionConfig c;
  c.connect.client_id = "gw1";
  c.connect.clean_session = false;
  c.connect.keep_alive = 30;
  c.max_in_flight = window;
  return c;
}

const Bytes payload = {0x76};  // "v"

packet::PublishView message(packet::Qos level) {
  return packet::PublishView{"t", payload, level, false, false, 0};
}

// The bytes of every send event, in order.
std::vector<Bytes> sent(const Events& out) {
  std::vector<Bytes> all;
  for (const auto& e : out) {
    if (const auto* s = std::get_if<event::Send>(&e)) {
      all.push_back(s->bytes);
    }
  }
  return all;
}

// The events of type E, in order.
template <class E>
std::vector<E> all_of(const Events& out) {
  std::vector<E> found;
  for (const auto& e : out) {
    if (const auto* match = std::get_if<E>(&e)) {
      found.push_back(*match);
    }
  }
  return found;
}

// Brings a session to `connected` at t0 with the given CONNACK.
void connect_at_t0(Session& s, const Bytes& connack_wire = connack_new) {
  (void)s.connect(t0);
  (void)s.feed(connack_wire, t0);
  ASSERT_EQ(s.state(), event::ConnectionState::connected);
}

TEST(MqttSession, ConnectsAndArmsTimers) {
  Session s(config());
  const Events connecting = s.connect(t0);
  ASSERT_EQ(connecting.size(), 3u);
  EXPECT_EQ(std::get<event::StateChanged>(connecting[0]).state, event::ConnectionState::connecting);
  EXPECT_EQ(std::get<event::Send>(connecting[1]).bytes, connect_wire);
  EXPECT_EQ(std::get<event::TimerSet>(connecting[2]),
            (event::TimerSet{event::TimerKind::connack_timeout, 10s}));

  const Events connected = s.feed(connack_new, t0 + 5ms);
  ASSERT_EQ(connected.size(), 4u);
  EXPECT_EQ(std::get<event::TimerCancel>(connected[0]),
            event::TimerCancel{event::TimerKind::connack_timeout});
  // Nothing was sent since the CONNECT at t0: PINGREQ is due at t0 + 30 s.
  EXPECT_EQ(std::get<event::TimerSet>(connected[1]),
            (event::TimerSet{event::TimerKind::keepalive, 29'995ms}));
  EXPECT_EQ(std::get<event::TimerSet>(connected[2]),
            (event::TimerSet{event::TimerKind::peer_timeout, 45s}));
  // The state change comes last, after any resend (see Session::on_connack).
  const auto& change = std::get<event::StateChanged>(connected[3]);
  EXPECT_EQ(change.state, event::ConnectionState::connected);
  EXPECT_FALSE(change.session_present);
}

TEST(MqttSession, DeliversConnackRefusalWithItsReason) {
  Session s(config());
  (void)s.connect(t0);
  const Events out = s.feed(Bytes{0x20, 0x02, 0x00, 0x05}, t0);  // CONNACK not authorized
  const auto changes = all_of<event::StateChanged>(out);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].state, event::ConnectionState::disconnected);
  EXPECT_EQ(changes[0].refusal, packet::ReasonCode::not_authorized);
  EXPECT_NE(changes[0].reason.find("Not authorized"), std::string::npos);
  EXPECT_EQ(s.state(), event::ConnectionState::disconnected);
}

TEST(MqttSession, TimesOutWithoutConnack) {
  Session s(config());
  (void)s.connect(t0);
  EXPECT_TRUE(s.on_timer(event::TimerKind::connack_timeout, t0 + 9s).empty());
  const Events out = s.on_timer(event::TimerKind::connack_timeout, t0 + 10s);
  EXPECT_EQ(s.state(), event::ConnectionState::disconnected);
  EXPECT_EQ(all_of<event::StateChanged>(out).size(), 1u);
}

TEST(MqttSession, CompletesQos1OnPuback) {
  Session s(config());
  connect_at_t0(s);
  EXPECT_EQ(sent(s.publish(message(packet::Qos::at_least_once), 100, t0)),
            (std::vector<Bytes>{publish_qos1_id1}));
  EXPECT_EQ(s.in_flight(), 1u);
  const Events out = s.feed(Bytes{0x40, 0x02, 0x00, 0x01}, t0 + 1ms);  // PUBACK id 1
  EXPECT_EQ(all_of<event::PublishCompleted>(out), (std::vector<event::PublishCompleted>{{100}}));
  EXPECT_EQ(s.in_flight(), 0u);
}

TEST(MqttSession, CompletesQos2OnPubcomp) {
  Session s(config());
  connect_at_t0(s);
  (void)s.publish(message(packet::Qos::at_least_once), 1, t0);  // takes packet id 1
  EXPECT_EQ(sent(s.publish(message(packet::Qos::exactly_once), 200, t0)),
            (std::vector<Bytes>{publish_qos2_id2}));
  const Events rec = s.feed(Bytes{0x50, 0x02, 0x00, 0x02}, t0);               // PUBREC id 2
  EXPECT_EQ(sent(rec), (std::vector<Bytes>{Bytes{0x62, 0x02, 0x00, 0x02}}));  // PUBREL id 2
  EXPECT_TRUE(all_of<event::PublishCompleted>(rec).empty());
  const Events comp = s.feed(Bytes{0x70, 0x02, 0x00, 0x02}, t0);  // PUBCOMP id 2
  EXPECT_EQ(all_of<event::PublishCompleted>(comp), (std::vector<event::PublishCompleted>{{200}}));
}

TEST(MqttSession, Qos0CompletesAtOnceAndNeedsAConnection) {
  Session s(config());
  const Events offline = s.publish(message(packet::Qos::at_most_once), 5, t0);
  const auto rejected = all_of<event::CommandRejected>(offline);
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].why.code, Errc::not_connected);

  connect_at_t0(s);
  const Events out = s.publish(message(packet::Qos::at_most_once), 6, t0);
  EXPECT_EQ(sent(out), (std::vector<Bytes>{Bytes{
                           0x30, 0x04,        // PUBLISH QoS 0, remaining length 4
                           0x00, 0x01, 0x74,  // topic "t"
                           0x76,              // payload "v"
                       }}));
  EXPECT_EQ(all_of<event::PublishCompleted>(out), (std::vector<event::PublishCompleted>{{6}}));
}

TEST(MqttSession, RejectsInvalidTopicWithoutTakingASlot) {
  Session s(config());
  connect_at_t0(s);
  const Events out = s.publish(
      packet::PublishView{"a/+", payload, packet::Qos::at_least_once, false, false, 0}, 9, t0);
  const auto rejected = all_of<event::CommandRejected>(out);
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].why.code, Errc::invalid_topic_name);
  EXPECT_EQ(s.in_flight(), 0u);
}

TEST(MqttSession, BoundsTheInFlightWindowAndNeverReusesLiveIds) {
  Session s(config(2));
  connect_at_t0(s);
  (void)s.publish(message(packet::Qos::at_least_once), 1, t0);  // id 1
  (void)s.publish(message(packet::Qos::at_least_once), 2, t0);  // id 2
  EXPECT_TRUE(s.window_full());
  const auto rejected =
      all_of<event::CommandRejected>(s.publish(message(packet::Qos::at_least_once), 3, t0));
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].why.code, Errc::window_full);

  (void)s.feed(Bytes{0x40, 0x02, 0x00, 0x02}, t0);  // PUBACK id 2
  const auto next = sent(s.publish(message(packet::Qos::at_least_once), 4, t0));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0][5], 0x00);  // packet id 3, not the freed 2 nor the live 1
  EXPECT_EQ(next[0][6], 0x03);
}

TEST(MqttSession, SkipsLiveIdsAfterWrapping) {
  Session s(config(65535));
  connect_at_t0(s);
  (void)s.publish(message(packet::Qos::at_least_once), 0, t0);  // id 1 stays in flight
  for (std::uint32_t id = 2; id <= 65535; ++id) {
    (void)s.publish(message(packet::Qos::at_least_once), id, t0);
    const Bytes ack = {0x40, 0x02, static_cast<std::uint8_t>(id >> 8),
                       static_cast<std::uint8_t>(id & 0xFF)};  // PUBACK id
    ASSERT_EQ(all_of<event::PublishCompleted>(s.feed(ack, t0)).size(), 1u) << id;
  }
  const auto next = sent(s.publish(message(packet::Qos::at_least_once), 1, t0));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0][5], 0x00);  // wrapped past 65535 and skipped the live id 1
  EXPECT_EQ(next[0][6], 0x02);
}

TEST(MqttSession, ResendsWithDupAndPubrelOnResumedSession) {
  Session s(config());
  connect_at_t0(s);
  (void)s.publish(message(packet::Qos::at_least_once), 10, t0);  // id 1, unacknowledged
  (void)s.publish(message(packet::Qos::exactly_once), 20, t0);   // id 2
  (void)s.feed(Bytes{0x50, 0x02, 0x00, 0x02}, t0);               // PUBREC id 2: now awaits PUBCOMP
  const Events lost = s.connection_lost(t0 + 1s);
  EXPECT_EQ(s.state(), event::ConnectionState::disconnected);
  EXPECT_EQ(all_of<event::TimerCancel>(lost).size(), 4u);  // the quota pause's too

  EXPECT_EQ(sent(s.connect(t0 + 2s)), (std::vector<Bytes>{connect_wire}));
  const Events resumed = s.feed(connack_resumed, t0 + 2s);
  EXPECT_TRUE(all_of<event::StateChanged>(resumed).at(0).session_present);
  const std::vector<Bytes> expected = {
      {
          0x3A, 0x06,        // PUBLISH DUP 1, QoS 1, remaining length 6
          0x00, 0x01, 0x74,  // topic "t"
          0x00, 0x01,        // packet id 1
          0x76,              // payload "v"
      },
      {0x62, 0x02, 0x00, 0x02},  // PUBREL id 2
  };
  EXPECT_EQ(sent(resumed), expected);

  (void)s.feed(Bytes{0x40, 0x02, 0x00, 0x01}, t0 + 3s);                // PUBACK id 1
  const Events done = s.feed(Bytes{0x70, 0x02, 0x00, 0x02}, t0 + 3s);  // PUBCOMP id 2
  EXPECT_EQ(all_of<event::PublishCompleted>(done), (std::vector<event::PublishCompleted>{{20}}));
  EXPECT_EQ(s.in_flight(), 0u);
}

TEST(MqttSession, RepublishesEverythingWhenTheSessionIsGone) {
  Session s(config());
  connect_at_t0(s);
  (void)s.publish(message(packet::Qos::at_least_once), 10, t0);  // id 1
  (void)s.publish(message(packet::Qos::exactly_once), 20, t0);   // id 2
  (void)s.feed(Bytes{0x50, 0x02, 0x00, 0x02}, t0);               // PUBREC id 2
  (void)s.connection_lost(t0);
  (void)s.connect(t0 + 1s);
  const std::vector<Bytes> expected = {
      {0x3A, 0x06, 0x00, 0x01, 0x74, 0x00, 0x01, 0x76},  // PUBLISH DUP, QoS 1, id 1
      {0x3C, 0x06, 0x00, 0x01, 0x74, 0x00, 0x02, 0x76},  // PUBLISH DUP, QoS 2, id 2
  };
  EXPECT_EQ(sent(s.feed(connack_new, t0 + 1s)), expected);
  // The QoS 2 exchange starts over: PUBREC again, then PUBCOMP.
  EXPECT_EQ(sent(s.feed(Bytes{0x50, 0x02, 0x00, 0x02}, t0 + 2s)),
            (std::vector<Bytes>{Bytes{0x62, 0x02, 0x00, 0x02}}));
}

TEST(MqttSession, SendsMessagesQueuedOfflineWithoutDup) {
  Session s(config());
  EXPECT_TRUE(sent(s.publish(message(packet::Qos::at_least_once), 1, t0)).empty());
  EXPECT_EQ(s.in_flight(), 1u);
  (void)s.connect(t0);
  EXPECT_EQ(sent(s.feed(connack_new, t0)), (std::vector<Bytes>{publish_qos1_id1}));
}

TEST(MqttSession, AcknowledgesInboundQos1) {
  Session s(config());
  connect_at_t0(s);
  const Bytes inbound = {0x32, 0x06, 0x00, 0x01, 0x74, 0x00, 0x07, 0x76};  // QoS 1, id 7
  const Events out = s.feed(inbound, t0);
  const auto received = all_of<event::MessageReceived>(out);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].message.topic, "t");
  EXPECT_EQ(sent(out), (std::vector<Bytes>{Bytes{0x40, 0x02, 0x00, 0x07}}));  // PUBACK id 7
}

TEST(MqttSession, DeliversInboundQos2ExactlyOnce) {
  Session s(config());
  connect_at_t0(s);
  const Bytes inbound = {0x34, 0x06, 0x00, 0x01, 0x74, 0x00, 0x09, 0x76};  // QoS 2, id 9
  const Bytes again = {0x3C, 0x06, 0x00, 0x01, 0x74, 0x00, 0x09, 0x76};    // the same, DUP
  const Bytes pubrec_9 = {0x50, 0x02, 0x00, 0x09};
  Events out = s.feed(inbound, t0);
  EXPECT_EQ(all_of<event::MessageReceived>(out).size(), 1u);
  EXPECT_EQ(sent(out), (std::vector<Bytes>{pubrec_9}));
  out = s.feed(again, t0);
  EXPECT_TRUE(all_of<event::MessageReceived>(out).empty());
  EXPECT_EQ(sent(out), (std::vector<Bytes>{pubrec_9}));
  out = s.feed(Bytes{0x62, 0x02, 0x00, 0x09}, t0);                            // PUBREL id 9
  EXPECT_EQ(sent(out), (std::vector<Bytes>{Bytes{0x70, 0x02, 0x00, 0x09}}));  // PUBCOMP id 9
  out = s.feed(inbound, t0);  // a new exchange that reuses id 9
  EXPECT_EQ(all_of<event::MessageReceived>(out).size(), 1u);
}

TEST(MqttSession, SendsPingreqWhenIdleAndDetectsADeadPeer) {
  Session s(config());
  connect_at_t0(s);
  EXPECT_TRUE(sent(s.on_timer(event::TimerKind::keepalive, t0 + 29s)).empty());
  const Events ping = s.on_timer(event::TimerKind::keepalive, t0 + 30s);
  EXPECT_EQ(sent(ping), (std::vector<Bytes>{Bytes{0xC0, 0x00}}));  // PINGREQ
  EXPECT_EQ(all_of<event::TimerSet>(ping),
            (std::vector<event::TimerSet>{{event::TimerKind::keepalive, 30s}}));
  const Events early = s.on_timer(event::TimerKind::peer_timeout, t0 + 30s);
  EXPECT_EQ(all_of<event::TimerSet>(early),
            (std::vector<event::TimerSet>{{event::TimerKind::peer_timeout, 15s}}));
  const Events dead = s.on_timer(event::TimerKind::peer_timeout, t0 + 45s);
  EXPECT_EQ(s.state(), event::ConnectionState::disconnected);
  const auto changes = all_of<event::StateChanged>(dead);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_NE(changes[0].reason.find("1.5 keepalive"), std::string::npos);
}

TEST(MqttSession, PingrespKeepsThePeerAlive) {
  Session s(config());
  connect_at_t0(s);
  (void)s.on_timer(event::TimerKind::keepalive, t0 + 30s);
  EXPECT_TRUE(s.feed(Bytes{0xD0, 0x00}, t0 + 31s).empty());  // PINGRESP
  const Events out = s.on_timer(event::TimerKind::peer_timeout, t0 + 45s);
  EXPECT_EQ(s.state(), event::ConnectionState::connected);
  EXPECT_EQ(all_of<event::TimerSet>(out),
            (std::vector<event::TimerSet>{{event::TimerKind::peer_timeout, 31s}}));
}

TEST(MqttSession, SkipsPingreqWhileTrafficFlowsBothWays) {
  Session s(config());
  connect_at_t0(s);
  (void)s.publish(message(packet::Qos::at_least_once), 1, t0 + 20s);
  (void)s.feed(Bytes{0x40, 0x02, 0x00, 0x01}, t0 + 20s);  // PUBACK id 1
  const Events out = s.on_timer(event::TimerKind::keepalive, t0 + 30s);
  EXPECT_TRUE(sent(out).empty());
  EXPECT_EQ(all_of<event::TimerSet>(out),
            (std::vector<event::TimerSet>{{event::TimerKind::keepalive, 20s}}));
}

TEST(MqttSession, ProbesASilentBrokerEvenWhileSending) {
  Session s(config());
  connect_at_t0(s);
  (void)s.publish(message(packet::Qos::at_most_once), 1, t0 + 10s);
  (void)s.publish(message(packet::Qos::at_most_once), 2, t0 + 20s);
  const Events out = s.on_timer(event::TimerKind::keepalive, t0 + 30s);
  EXPECT_EQ(sent(out), (std::vector<Bytes>{Bytes{0xC0, 0x00}}));  // PINGREQ
}

TEST(MqttSession, SubscribesAndReportsRefusedFilters) {
  Session s(config());
  connect_at_t0(s);
  const Events out = s.subscribe({{"cmd/#", packet::Qos::at_least_once}}, 7, t0);
  const Bytes expected = {
      0x82, 0x0A,                          // SUBSCRIBE, remaining length 10
      0x00, 0x01,                          // packet id 1
      0x00, 0x05, 0x63, 0x6D, 0x64, 0x2F,  // filter "cmd/#" ...
      0x23,                                // ... continued
      0x01,                                // requested QoS 1
  };
  EXPECT_EQ(sent(out), (std::vector<Bytes>{expected}));
  const Events ack = s.feed(Bytes{0x90, 0x03, 0x00, 0x01, 0x80}, t0);  // SUBACK id 1: failure
  EXPECT_EQ(all_of<event::SubscribeCompleted>(ack),
            (std::vector<event::SubscribeCompleted>{{7, {packet::ReasonCode::unspecified_error}}}));
}

TEST(MqttSession, Unsubscribes) {
  Session s(config());
  connect_at_t0(s);
  const Bytes expected = {
      0xA2, 0x09,                          // UNSUBSCRIBE, remaining length 9
      0x00, 0x01,                          // packet id 1
      0x00, 0x05, 0x63, 0x6D, 0x64, 0x2F,  // filter "cmd/#" ...
      0x23,                                // ... continued
  };
  EXPECT_EQ(sent(s.unsubscribe({"cmd/#"}, 8, t0)), (std::vector<Bytes>{expected}));
  const Events ack = s.feed(Bytes{0xB0, 0x02, 0x00, 0x01}, t0);  // UNSUBACK id 1
  EXPECT_EQ(all_of<event::UnsubscribeCompleted>(ack),
            (std::vector<event::UnsubscribeCompleted>{{8}}));
}

TEST(MqttSession, FailsPendingSubscribeWhenTheConnectionDrops) {
  Session s(config());
  connect_at_t0(s);
  (void)s.subscribe({{"cmd/#", packet::Qos::at_least_once}}, 7, t0);
  const auto rejected = all_of<event::CommandRejected>(s.connection_lost(t0));
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].tag, 7u);
  EXPECT_EQ(rejected[0].why.code, Errc::not_connected);
}

TEST(MqttSession, RejectsSubackWithWrongCodeCount) {
  Session s(config());
  connect_at_t0(s);
  (void)s.subscribe({{"a", packet::Qos::at_most_once}, {"b", packet::Qos::at_most_once}}, 7, t0);
  (void)s.feed(Bytes{0x90, 0x03, 0x00, 0x01, 0x00}, t0);  // one code for two filters
  EXPECT_EQ(s.state(), event::ConnectionState::disconnected);
}

TEST(MqttSession, ClosesOnProtocolViolations) {
  const std::vector<Bytes> violations = {
      {0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00},  // SUBSCRIBE from the server
      {0xC0, 0x00},                                      // PINGREQ from the server
      {0x20, 0x02, 0x00, 0x00},                          // a second CONNACK
      {0x00, 0x00},                                      // packet type 0
      {0x40, 0x02, 0x00, 0x00},                          // PUBACK with packet id 0
  };
  for (const auto& wire : violations) {
    Session s(config());
    connect_at_t0(s);
    const auto changes = all_of<event::StateChanged>(s.feed(wire, t0));
    ASSERT_EQ(changes.size(), 1u) << testing::PrintToString(wire);
    EXPECT_EQ(changes[0].state, event::ConnectionState::disconnected);
  }
}

TEST(MqttSession, ExpectsConnackFirst) {
  Session s(config());
  (void)s.connect(t0);
  (void)s.feed(Bytes{0xD0, 0x00}, t0);  // PINGRESP before CONNACK
  EXPECT_EQ(s.state(), event::ConnectionState::disconnected);
}

TEST(MqttSession, RejectsSessionPresentOnCleanSession) {
  SessionConfig c = config();
  c.connect.clean_session = true;
  Session s(c);
  (void)s.connect(t0);
  (void)s.feed(connack_resumed, t0);
  EXPECT_EQ(s.state(), event::ConnectionState::disconnected);
}

TEST(MqttSession, DisconnectsCleanly) {
  Session s(config());
  connect_at_t0(s);
  const Events out = s.disconnect(t0);
  EXPECT_EQ(sent(out), (std::vector<Bytes>{Bytes{0xE0, 0x00}}));  // DISCONNECT
  EXPECT_EQ(s.state(), event::ConnectionState::disconnected);
  EXPECT_TRUE(s.feed(Bytes{0xD0, 0x00}, t0).empty());  // late bytes are ignored
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
