// The sans-I/O session core: scripted exchanges with hand-written bytes and
// time passed in as values.
#include <chrono>

#include <gtest/gtest.h>

#include "bridge/mqtt/session.hpp"
#include "tests/unit/mqtt/mqtt_test_util.hpp"

namespace iotgw::mqtt {
namespace {

using namespace std::chrono_literals;
using test::bytes;

const time_point t0{};

const bytes connect_wire = {
    0x10, 0x0F,                          // CONNECT, remaining length 15
    0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // "MQTT"
    0x04,                                // level 4
    0x00,                                // flags: keep the session
    0x00, 0x1E,                          // keep alive 30 s
    0x00, 0x03, 0x67, 0x77, 0x31,        // client id "gw1"
};
const bytes connack_new = {0x20, 0x02, 0x00, 0x00};      // CONNACK, no session, accepted
const bytes connack_resumed = {0x20, 0x02, 0x01, 0x00};  // CONNACK, session present
const bytes publish_qos1_id1 = {
    0x32, 0x06,        // PUBLISH QoS 1, remaining length 6
    0x00, 0x01, 0x74,  // topic "t"
    0x00, 0x01,        // packet id 1
    0x76,              // payload "v"
};
const bytes publish_qos2_id2 = {
    0x34, 0x06,        // PUBLISH QoS 2, remaining length 6
    0x00, 0x01, 0x74,  // topic "t"
    0x00, 0x02,        // packet id 2
    0x76,              // payload "v"
};

session_config config(std::size_t window = 64) {
  session_config c;
  c.connect.client_id = "gw1";
  c.connect.clean_session = false;
  c.connect.keep_alive = 30;
  c.max_in_flight = window;
  return c;
}

const bytes payload = {0x76};  // "v"

publish_view message(qos level) {
  return publish_view{"t", payload, level, false, false, 0};
}

// The bytes of every send event, in order.
std::vector<bytes> sent(const events& out) {
  std::vector<bytes> all;
  for (const auto& e : out) {
    if (const auto* s = std::get_if<send>(&e)) {
      all.push_back(s->bytes);
    }
  }
  return all;
}

// The events of type E, in order.
template <class E>
std::vector<E> all_of(const events& out) {
  std::vector<E> found;
  for (const auto& e : out) {
    if (const auto* match = std::get_if<E>(&e)) {
      found.push_back(*match);
    }
  }
  return found;
}

// Brings a session to `connected` at t0 with the given CONNACK.
void connect_at_t0(session& s, const bytes& connack_wire = connack_new) {
  (void)s.connect(t0);
  (void)s.feed(connack_wire, t0);
  ASSERT_EQ(s.state(), connection_state::connected);
}

TEST(MqttSession, ConnectsAndArmsTimers) {
  session s(config());
  const events connecting = s.connect(t0);
  ASSERT_EQ(connecting.size(), 3u);
  EXPECT_EQ(std::get<state_changed>(connecting[0]).state, connection_state::connecting);
  EXPECT_EQ(std::get<send>(connecting[1]).bytes, connect_wire);
  EXPECT_EQ(std::get<timer_set>(connecting[2]), (timer_set{timer_kind::connack_timeout, 10s}));

  const events connected = s.feed(connack_new, t0 + 5ms);
  ASSERT_EQ(connected.size(), 4u);
  EXPECT_EQ(std::get<timer_cancel>(connected[0]), timer_cancel{timer_kind::connack_timeout});
  const auto& change = std::get<state_changed>(connected[1]);
  EXPECT_EQ(change.state, connection_state::connected);
  EXPECT_FALSE(change.session_present);
  // Nothing was sent since the CONNECT at t0: PINGREQ is due at t0 + 30 s.
  EXPECT_EQ(std::get<timer_set>(connected[2]), (timer_set{timer_kind::keepalive, 29'995ms}));
  EXPECT_EQ(std::get<timer_set>(connected[3]), (timer_set{timer_kind::peer_timeout, 45s}));
}

TEST(MqttSession, DeliversConnackRefusalWithItsReason) {
  session s(config());
  (void)s.connect(t0);
  const events out = s.feed(bytes{0x20, 0x02, 0x00, 0x05}, t0);  // CONNACK not authorized
  const auto changes = all_of<state_changed>(out);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].state, connection_state::disconnected);
  EXPECT_EQ(changes[0].refusal, connack_code::not_authorized);
  EXPECT_NE(changes[0].reason.find("not authorized"), std::string::npos);
  EXPECT_EQ(s.state(), connection_state::disconnected);
}

TEST(MqttSession, TimesOutWithoutConnack) {
  session s(config());
  (void)s.connect(t0);
  EXPECT_TRUE(s.on_timer(timer_kind::connack_timeout, t0 + 9s).empty());
  const events out = s.on_timer(timer_kind::connack_timeout, t0 + 10s);
  EXPECT_EQ(s.state(), connection_state::disconnected);
  EXPECT_EQ(all_of<state_changed>(out).size(), 1u);
}

TEST(MqttSession, CompletesQos1OnPuback) {
  session s(config());
  connect_at_t0(s);
  EXPECT_EQ(sent(s.publish(message(qos::at_least_once), 100, t0)),
            (std::vector<bytes>{publish_qos1_id1}));
  EXPECT_EQ(s.in_flight(), 1u);
  const events out = s.feed(bytes{0x40, 0x02, 0x00, 0x01}, t0 + 1ms);  // PUBACK id 1
  EXPECT_EQ(all_of<publish_completed>(out), (std::vector<publish_completed>{{100}}));
  EXPECT_EQ(s.in_flight(), 0u);
}

TEST(MqttSession, CompletesQos2OnPubcomp) {
  session s(config());
  connect_at_t0(s);
  (void)s.publish(message(qos::at_least_once), 1, t0);  // takes packet id 1
  EXPECT_EQ(sent(s.publish(message(qos::exactly_once), 200, t0)),
            (std::vector<bytes>{publish_qos2_id2}));
  const events rec = s.feed(bytes{0x50, 0x02, 0x00, 0x02}, t0);               // PUBREC id 2
  EXPECT_EQ(sent(rec), (std::vector<bytes>{bytes{0x62, 0x02, 0x00, 0x02}}));  // PUBREL id 2
  EXPECT_TRUE(all_of<publish_completed>(rec).empty());
  const events comp = s.feed(bytes{0x70, 0x02, 0x00, 0x02}, t0);  // PUBCOMP id 2
  EXPECT_EQ(all_of<publish_completed>(comp), (std::vector<publish_completed>{{200}}));
}

TEST(MqttSession, Qos0CompletesAtOnceAndNeedsAConnection) {
  session s(config());
  const events offline = s.publish(message(qos::at_most_once), 5, t0);
  const auto rejected = all_of<command_rejected>(offline);
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].why.code, errc::not_connected);

  connect_at_t0(s);
  const events out = s.publish(message(qos::at_most_once), 6, t0);
  EXPECT_EQ(sent(out), (std::vector<bytes>{bytes{
                           0x30, 0x04,        // PUBLISH QoS 0, remaining length 4
                           0x00, 0x01, 0x74,  // topic "t"
                           0x76,              // payload "v"
                       }}));
  EXPECT_EQ(all_of<publish_completed>(out), (std::vector<publish_completed>{{6}}));
}

TEST(MqttSession, RejectsInvalidTopicWithoutTakingASlot) {
  session s(config());
  connect_at_t0(s);
  const events out =
      s.publish(publish_view{"a/+", payload, qos::at_least_once, false, false, 0}, 9, t0);
  const auto rejected = all_of<command_rejected>(out);
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].why.code, errc::invalid_topic_name);
  EXPECT_EQ(s.in_flight(), 0u);
}

TEST(MqttSession, BoundsTheInFlightWindowAndNeverReusesLiveIds) {
  session s(config(2));
  connect_at_t0(s);
  (void)s.publish(message(qos::at_least_once), 1, t0);  // id 1
  (void)s.publish(message(qos::at_least_once), 2, t0);  // id 2
  EXPECT_TRUE(s.window_full());
  const auto rejected = all_of<command_rejected>(s.publish(message(qos::at_least_once), 3, t0));
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].why.code, errc::window_full);

  (void)s.feed(bytes{0x40, 0x02, 0x00, 0x02}, t0);  // PUBACK id 2
  const auto next = sent(s.publish(message(qos::at_least_once), 4, t0));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0][5], 0x00);  // packet id 3, not the freed 2 nor the live 1
  EXPECT_EQ(next[0][6], 0x03);
}

TEST(MqttSession, SkipsLiveIdsAfterWrapping) {
  session s(config(65535));
  connect_at_t0(s);
  (void)s.publish(message(qos::at_least_once), 0, t0);  // id 1 stays in flight
  for (std::uint32_t id = 2; id <= 65535; ++id) {
    (void)s.publish(message(qos::at_least_once), id, t0);
    const bytes ack = {0x40, 0x02, static_cast<std::uint8_t>(id >> 8),
                       static_cast<std::uint8_t>(id & 0xFF)};  // PUBACK id
    ASSERT_EQ(all_of<publish_completed>(s.feed(ack, t0)).size(), 1u) << id;
  }
  const auto next = sent(s.publish(message(qos::at_least_once), 1, t0));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0][5], 0x00);  // wrapped past 65535 and skipped the live id 1
  EXPECT_EQ(next[0][6], 0x02);
}

TEST(MqttSession, ResendsWithDupAndPubrelOnResumedSession) {
  session s(config());
  connect_at_t0(s);
  (void)s.publish(message(qos::at_least_once), 10, t0);  // id 1, unacknowledged
  (void)s.publish(message(qos::exactly_once), 20, t0);   // id 2
  (void)s.feed(bytes{0x50, 0x02, 0x00, 0x02}, t0);       // PUBREC id 2: now awaits PUBCOMP
  const events lost = s.connection_lost(t0 + 1s);
  EXPECT_EQ(s.state(), connection_state::disconnected);
  EXPECT_EQ(all_of<timer_cancel>(lost).size(), 3u);

  EXPECT_EQ(sent(s.connect(t0 + 2s)), (std::vector<bytes>{connect_wire}));
  const events resumed = s.feed(connack_resumed, t0 + 2s);
  EXPECT_TRUE(all_of<state_changed>(resumed).at(0).session_present);
  const std::vector<bytes> expected = {
      {
          0x3A, 0x06,        // PUBLISH DUP 1, QoS 1, remaining length 6
          0x00, 0x01, 0x74,  // topic "t"
          0x00, 0x01,        // packet id 1
          0x76,              // payload "v"
      },
      {0x62, 0x02, 0x00, 0x02},  // PUBREL id 2
  };
  EXPECT_EQ(sent(resumed), expected);

  (void)s.feed(bytes{0x40, 0x02, 0x00, 0x01}, t0 + 3s);                // PUBACK id 1
  const events done = s.feed(bytes{0x70, 0x02, 0x00, 0x02}, t0 + 3s);  // PUBCOMP id 2
  EXPECT_EQ(all_of<publish_completed>(done), (std::vector<publish_completed>{{20}}));
  EXPECT_EQ(s.in_flight(), 0u);
}

TEST(MqttSession, RepublishesEverythingWhenTheSessionIsGone) {
  session s(config());
  connect_at_t0(s);
  (void)s.publish(message(qos::at_least_once), 10, t0);  // id 1
  (void)s.publish(message(qos::exactly_once), 20, t0);   // id 2
  (void)s.feed(bytes{0x50, 0x02, 0x00, 0x02}, t0);       // PUBREC id 2
  (void)s.connection_lost(t0);
  (void)s.connect(t0 + 1s);
  const std::vector<bytes> expected = {
      {0x3A, 0x06, 0x00, 0x01, 0x74, 0x00, 0x01, 0x76},  // PUBLISH DUP, QoS 1, id 1
      {0x3C, 0x06, 0x00, 0x01, 0x74, 0x00, 0x02, 0x76},  // PUBLISH DUP, QoS 2, id 2
  };
  EXPECT_EQ(sent(s.feed(connack_new, t0 + 1s)), expected);
  // The QoS 2 exchange starts over: PUBREC again, then PUBCOMP.
  EXPECT_EQ(sent(s.feed(bytes{0x50, 0x02, 0x00, 0x02}, t0 + 2s)),
            (std::vector<bytes>{bytes{0x62, 0x02, 0x00, 0x02}}));
}

TEST(MqttSession, SendsMessagesQueuedOfflineWithoutDup) {
  session s(config());
  EXPECT_TRUE(sent(s.publish(message(qos::at_least_once), 1, t0)).empty());
  EXPECT_EQ(s.in_flight(), 1u);
  (void)s.connect(t0);
  EXPECT_EQ(sent(s.feed(connack_new, t0)), (std::vector<bytes>{publish_qos1_id1}));
}

TEST(MqttSession, AcknowledgesInboundQos1) {
  session s(config());
  connect_at_t0(s);
  const bytes inbound = {0x32, 0x06, 0x00, 0x01, 0x74, 0x00, 0x07, 0x76};  // QoS 1, id 7
  const events out = s.feed(inbound, t0);
  const auto received = all_of<message_received>(out);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].message.topic, "t");
  EXPECT_EQ(sent(out), (std::vector<bytes>{bytes{0x40, 0x02, 0x00, 0x07}}));  // PUBACK id 7
}

TEST(MqttSession, DeliversInboundQos2ExactlyOnce) {
  session s(config());
  connect_at_t0(s);
  const bytes inbound = {0x34, 0x06, 0x00, 0x01, 0x74, 0x00, 0x09, 0x76};  // QoS 2, id 9
  const bytes again = {0x3C, 0x06, 0x00, 0x01, 0x74, 0x00, 0x09, 0x76};    // the same, DUP
  const bytes pubrec_9 = {0x50, 0x02, 0x00, 0x09};
  events out = s.feed(inbound, t0);
  EXPECT_EQ(all_of<message_received>(out).size(), 1u);
  EXPECT_EQ(sent(out), (std::vector<bytes>{pubrec_9}));
  out = s.feed(again, t0);
  EXPECT_TRUE(all_of<message_received>(out).empty());
  EXPECT_EQ(sent(out), (std::vector<bytes>{pubrec_9}));
  out = s.feed(bytes{0x62, 0x02, 0x00, 0x09}, t0);                            // PUBREL id 9
  EXPECT_EQ(sent(out), (std::vector<bytes>{bytes{0x70, 0x02, 0x00, 0x09}}));  // PUBCOMP id 9
  out = s.feed(inbound, t0);  // a new exchange that reuses id 9
  EXPECT_EQ(all_of<message_received>(out).size(), 1u);
}

TEST(MqttSession, SendsPingreqWhenIdleAndDetectsADeadPeer) {
  session s(config());
  connect_at_t0(s);
  EXPECT_TRUE(sent(s.on_timer(timer_kind::keepalive, t0 + 29s)).empty());
  const events ping = s.on_timer(timer_kind::keepalive, t0 + 30s);
  EXPECT_EQ(sent(ping), (std::vector<bytes>{bytes{0xC0, 0x00}}));  // PINGREQ
  EXPECT_EQ(all_of<timer_set>(ping), (std::vector<timer_set>{{timer_kind::keepalive, 30s}}));
  const events early = s.on_timer(timer_kind::peer_timeout, t0 + 30s);
  EXPECT_EQ(all_of<timer_set>(early), (std::vector<timer_set>{{timer_kind::peer_timeout, 15s}}));
  const events dead = s.on_timer(timer_kind::peer_timeout, t0 + 45s);
  EXPECT_EQ(s.state(), connection_state::disconnected);
  const auto changes = all_of<state_changed>(dead);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_NE(changes[0].reason.find("1.5 keepalive"), std::string::npos);
}

TEST(MqttSession, PingrespKeepsThePeerAlive) {
  session s(config());
  connect_at_t0(s);
  (void)s.on_timer(timer_kind::keepalive, t0 + 30s);
  EXPECT_TRUE(s.feed(bytes{0xD0, 0x00}, t0 + 31s).empty());  // PINGRESP
  const events out = s.on_timer(timer_kind::peer_timeout, t0 + 45s);
  EXPECT_EQ(s.state(), connection_state::connected);
  EXPECT_EQ(all_of<timer_set>(out), (std::vector<timer_set>{{timer_kind::peer_timeout, 31s}}));
}

TEST(MqttSession, SkipsPingreqWhileTrafficFlowsBothWays) {
  session s(config());
  connect_at_t0(s);
  (void)s.publish(message(qos::at_least_once), 1, t0 + 20s);
  (void)s.feed(bytes{0x40, 0x02, 0x00, 0x01}, t0 + 20s);  // PUBACK id 1
  const events out = s.on_timer(timer_kind::keepalive, t0 + 30s);
  EXPECT_TRUE(sent(out).empty());
  EXPECT_EQ(all_of<timer_set>(out), (std::vector<timer_set>{{timer_kind::keepalive, 20s}}));
}

TEST(MqttSession, ProbesASilentBrokerEvenWhileSending) {
  session s(config());
  connect_at_t0(s);
  (void)s.publish(message(qos::at_most_once), 1, t0 + 10s);
  (void)s.publish(message(qos::at_most_once), 2, t0 + 20s);
  const events out = s.on_timer(timer_kind::keepalive, t0 + 30s);
  EXPECT_EQ(sent(out), (std::vector<bytes>{bytes{0xC0, 0x00}}));  // PINGREQ
}

TEST(MqttSession, SubscribesAndReportsRefusedFilters) {
  session s(config());
  connect_at_t0(s);
  const events out = s.subscribe({{"cmd/#", qos::at_least_once}}, 7, t0);
  const bytes expected = {
      0x82, 0x0A,                          // SUBSCRIBE, remaining length 10
      0x00, 0x01,                          // packet id 1
      0x00, 0x05, 0x63, 0x6D, 0x64, 0x2F,  // filter "cmd/#" ...
      0x23,                                // ... continued
      0x01,                                // requested QoS 1
  };
  EXPECT_EQ(sent(out), (std::vector<bytes>{expected}));
  const events ack = s.feed(bytes{0x90, 0x03, 0x00, 0x01, 0x80}, t0);  // SUBACK id 1: failure
  EXPECT_EQ(all_of<subscribe_completed>(ack),
            (std::vector<subscribe_completed>{{7, {suback_code::failure}}}));
}

TEST(MqttSession, Unsubscribes) {
  session s(config());
  connect_at_t0(s);
  const bytes expected = {
      0xA2, 0x09,                          // UNSUBSCRIBE, remaining length 9
      0x00, 0x01,                          // packet id 1
      0x00, 0x05, 0x63, 0x6D, 0x64, 0x2F,  // filter "cmd/#" ...
      0x23,                                // ... continued
  };
  EXPECT_EQ(sent(s.unsubscribe({"cmd/#"}, 8, t0)), (std::vector<bytes>{expected}));
  const events ack = s.feed(bytes{0xB0, 0x02, 0x00, 0x01}, t0);  // UNSUBACK id 1
  EXPECT_EQ(all_of<unsubscribe_completed>(ack), (std::vector<unsubscribe_completed>{{8}}));
}

TEST(MqttSession, FailsPendingSubscribeWhenTheConnectionDrops) {
  session s(config());
  connect_at_t0(s);
  (void)s.subscribe({{"cmd/#", qos::at_least_once}}, 7, t0);
  const auto rejected = all_of<command_rejected>(s.connection_lost(t0));
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].tag, 7u);
  EXPECT_EQ(rejected[0].why.code, errc::not_connected);
}

TEST(MqttSession, RejectsSubackWithWrongCodeCount) {
  session s(config());
  connect_at_t0(s);
  (void)s.subscribe({{"a", qos::at_most_once}, {"b", qos::at_most_once}}, 7, t0);
  (void)s.feed(bytes{0x90, 0x03, 0x00, 0x01, 0x00}, t0);  // one code for two filters
  EXPECT_EQ(s.state(), connection_state::disconnected);
}

TEST(MqttSession, ClosesOnProtocolViolations) {
  const std::vector<bytes> violations = {
      {0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00},  // SUBSCRIBE from the server
      {0xC0, 0x00},                                      // PINGREQ from the server
      {0x20, 0x02, 0x00, 0x00},                          // a second CONNACK
      {0x00, 0x00},                                      // packet type 0
      {0x40, 0x02, 0x00, 0x00},                          // PUBACK with packet id 0
  };
  for (const auto& wire : violations) {
    session s(config());
    connect_at_t0(s);
    const auto changes = all_of<state_changed>(s.feed(wire, t0));
    ASSERT_EQ(changes.size(), 1u) << testing::PrintToString(wire);
    EXPECT_EQ(changes[0].state, connection_state::disconnected);
  }
}

TEST(MqttSession, ExpectsConnackFirst) {
  session s(config());
  (void)s.connect(t0);
  (void)s.feed(bytes{0xD0, 0x00}, t0);  // PINGRESP before CONNACK
  EXPECT_EQ(s.state(), connection_state::disconnected);
}

TEST(MqttSession, RejectsSessionPresentOnCleanSession) {
  session_config c = config();
  c.connect.clean_session = true;
  session s(c);
  (void)s.connect(t0);
  (void)s.feed(connack_resumed, t0);
  EXPECT_EQ(s.state(), connection_state::disconnected);
}

TEST(MqttSession, DisconnectsCleanly) {
  session s(config());
  connect_at_t0(s);
  const events out = s.disconnect(t0);
  EXPECT_EQ(sent(out), (std::vector<bytes>{bytes{0xE0, 0x00}}));  // DISCONNECT
  EXPECT_EQ(s.state(), connection_state::disconnected);
  EXPECT_TRUE(s.feed(bytes{0xD0, 0x00}, t0).empty());  // late bytes are ignored
}

}  // namespace
}  // namespace iotgw::mqtt
