// The session core through scripted exchanges on a fake clock: keepalive,
// dead peer, CONNACK timeout, a reconnect with DUP, a broker that answers
// QoS 2 with PUBACK, and PUBLISHes above the maximum packet size dropped but
// acknowledged, as the wire shows them.
#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_exchange.hpp"
#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using namespace std::chrono_literals;
using namespace test;

const Bytes pingreq_wire = {0xC0, 0x00};   // PINGREQ
const Bytes pingresp_wire = {0xD0, 0x00};  // PINGRESP
const Bytes payload = {0x76};              // "v"

SessionConfig config() {
  SessionConfig c;
  c.connect.client_id = "gw1";
  c.connect.clean_session = false;
  c.connect.keep_alive = 30;
  return c;
}

Events do_connect(Session& s, TimePoint now) {
  return s.connect(now);
}

TEST(MqttSessionExchange, PingsWhenIdleAndDropsASilentBrokerAfterOneAndAHalfKeepalives) {
  Session s(config());
  test::Exchange ex(s);
  ex.run(do_connect).expect(connect_wire).reply(connack_new, 2ms);
  ex.wait(30s - 2ms).expect(pingreq_wire);  // t = 30 s: nothing sent since CONNECT
  ex.reply(pingresp_wire, 100ms);           // t = 30.1 s: last word from the broker
  ex.wait(29'900ms).expect(pingreq_wire);   // t = 60 s: the next PINGREQ, never answered
  ex.wait(15'099ms);                        // t = 75.099 s: still inside 1.5 keepalives
  EXPECT_EQ(s.state(), event::ConnectionState::connected);
  ex.wait(1ms);  // t = 75.1 s = 30.1 s + 45 s
  EXPECT_EQ(s.state(), event::ConnectionState::disconnected);
  EXPECT_FALSE(ex.timer_running(event::TimerKind::keepalive));
  EXPECT_FALSE(ex.timer_running(event::TimerKind::peer_timeout));
  ex.expect_nothing();
}

// 3.1.1 has no DISCONNECT that keeps the will: a plain one goes out.
TEST(MqttSessionExchange, DisconnectAskingForTheWillIsAPlainDisconnectIn311) {
  Session s(config());
  Exchange ex(s);
  ex.run(do_connect).expect(connect_wire).reply(connack_new, 2ms);
  ex.run([](Session& session, TimePoint now) {
      return session.disconnect(now, true);
    }).expect({0xE0, 0x00});  // DISCONNECT, remaining length 0
  EXPECT_EQ(s.state(), event::ConnectionState::disconnected);
}

TEST(MqttSessionExchange, GivesUpWithoutConnack) {
  Session s(config());
  test::Exchange ex(s);
  ex.run(do_connect).expect(connect_wire);
  ex.wait(9'999ms);
  EXPECT_EQ(s.state(), event::ConnectionState::connecting);
  ex.wait(1ms);
  EXPECT_EQ(s.state(), event::ConnectionState::disconnected);
  EXPECT_FALSE(ex.timer_running(event::TimerKind::connack_timeout));
}

TEST(MqttSessionExchange, ResendsWithDupAfterTheBrokerDropsTheConnection) {
  Session s(config());
  test::Exchange ex(s);
  ex.run(do_connect).expect(connect_wire).reply(connack_new, 2ms);
  ex.run([](Session& x, TimePoint now) {
      return x.publish(
          packet::PublishView{"t", payload, packet::Qos::at_least_once, false, false, 0}, 42, now);
    })
      .expect({
          0x32, 0x06,        // PUBLISH QoS 1, remaining length 6
          0x00, 0x01, 0x74,  // topic "t"
          0x00, 0x01,        // packet id 1
          0x76,              // payload "v"
      });
  ex.wait(5ms).run([](Session& x, TimePoint now) { return x.connection_lost(now); });
  ex.wait(1s).run(do_connect).expect(connect_wire).reply(connack_resumed, 3ms);
  ex.expect({
      0x3A, 0x06,        // PUBLISH DUP 1, QoS 1, remaining length 6
      0x00, 0x01, 0x74,  // topic "t"
      0x00, 0x01,        // packet id 1, the same as before
      0x76,              // payload "v"
  });
  ex.reply({0x40, 0x02, 0x00, 0x01}, 2ms);  // PUBACK id 1
  EXPECT_EQ(ex.seen_of<event::PublishCompleted>(), (std::vector<event::PublishCompleted>{{42}}));
}

TEST(MqttSessionExchange, PipelinesUpToTheWindowAndCompletesAcksInAnyOrder) {
  SessionConfig c = config();
  c.max_in_flight = 64;
  Session s(c);
  test::Exchange ex(s);
  ex.run(do_connect).expect(connect_wire).reply(connack_new, 2ms);
  for (std::uint64_t tag = 1; tag <= 100; ++tag) {
    ex.run([tag](Session& x, TimePoint now) {
      return x.publish(
          packet::PublishView{"t", payload, packet::Qos::at_least_once, false, false, 0}, tag, now);
    });
  }
  for (std::uint16_t id = 1; id <= 64; ++id) {
    ex.expect({0x32, 0x06, 0x00, 0x01, 0x74, static_cast<std::uint8_t>(id >> 8),
               static_cast<std::uint8_t>(id & 0xFF), 0x76});  // PUBLISH QoS 1, "t", id, "v"
  }
  EXPECT_EQ(ex.seen_of<event::CommandRejected>().size(), 36u);
  for (std::uint16_t id = 64; id >= 1; --id) {
    ex.reply({0x40, 0x02, 0x00, static_cast<std::uint8_t>(id)});  // PUBACK id, newest first
  }
  EXPECT_EQ(ex.seen_of<event::PublishCompleted>().size(), 64u);
  EXPECT_EQ(s.in_flight(), 0u);
}

const Bytes publish_qos2_wire = {
    0x34, 0x06,        // PUBLISH QoS 2, remaining length 6
    0x00, 0x01, 0x74,  // topic "t"
    0x00, 0x01,        // packet id 1
    0x76,              // payload "v"
};

Events publish_qos2(Session& s, TimePoint now) {
  return s.publish(packet::PublishView{"t", payload, packet::Qos::exactly_once, false, false, 0}, 7,
                   now);
}

TEST(MqttSessionExchange, PubackInsteadOfPubrecCompletesAsDowngradedAndKeepsTheConnection) {
  Session s(config());
  test::Exchange ex(s);
  ex.run(do_connect).expect(connect_wire).reply(connack_new, 2ms);
  ex.run(publish_qos2).expect(publish_qos2_wire);
  ex.reply({0x40, 0x02, 0x00, 0x01}, 2ms);  // PUBACK id 1, as RabbitMQ answers QoS 2
  EXPECT_EQ(ex.seen_of<event::PublishCompleted>(),
            (std::vector<event::PublishCompleted>{{7, true}}));
  EXPECT_EQ(s.state(), event::ConnectionState::connected);
  EXPECT_EQ(s.in_flight(), 0u);
  ex.expect_nothing();  // no PUBREL, and nothing to resend later
  ex.run([](Session& x, TimePoint now) { return x.connection_lost(now); });
  ex.wait(1s).run(do_connect).expect(connect_wire).reply(connack_resumed, 3ms);
  ex.expect_nothing();
}

TEST(MqttSessionExchange, PubackAfterPubrelClosesTheConnection) {
  Session s(config());
  test::Exchange ex(s);
  ex.run(do_connect).expect(connect_wire).reply(connack_new, 2ms);
  ex.run(publish_qos2).expect(publish_qos2_wire);
  ex.reply({0x50, 0x02, 0x00, 0x01}, 2ms);  // PUBREC id 1
  ex.expect({0x62, 0x02, 0x00, 0x01});      // PUBREL id 1
  ex.reply({0x40, 0x02, 0x00, 0x01}, 2ms);  // PUBACK id 1: no exchange is at that step
  EXPECT_EQ(s.state(), event::ConnectionState::disconnected);
  EXPECT_TRUE(ex.seen_of<event::PublishCompleted>().empty());
}

// A connection that takes packets of up to 1 KiB from the broker.
SessionConfig small_packets() {
  SessionConfig c = config();
  c.limits.max_packet_size = 1024;
  return c;
}

// `head` (fixed header, topic, packet id) then 1100 payload bytes "AAA...":
// a PUBLISH above 1 KiB.
Bytes oversized(std::initializer_list<std::uint8_t> head) {
  Bytes wire(head);
  wire.resize(wire.size() + 1100, 0x41);
  return wire;
}

const Bytes oversized_qos0_retained = oversized({
    0x31, 0xD1, 0x08,              // PUBLISH QoS 0, RETAIN, remaining length 1105 = 2 + 3 + 1100
    0x00, 0x03, 0x63, 0x2F, 0x78,  // topic "c/x"
});
const Bytes oversized_qos1 = oversized({
    0x32, 0xD3, 0x08,              // PUBLISH QoS 1, remaining length 1107 = 2 + 3 + 2 + 1100
    0x00, 0x03, 0x63, 0x2F, 0x78,  // topic "c/x"
    0x00, 0x05,                    // packet id 5
});
const Bytes oversized_qos2 = oversized({
    0x34, 0xD3, 0x08,              // PUBLISH QoS 2, remaining length 1107
    0x00, 0x03, 0x63, 0x2F, 0x78,  // topic "c/x"
    0x00, 0x06,                    // packet id 6
});
const Bytes oversized_qos2_dup = oversized({
    0x3C, 0xD3, 0x08,              // PUBLISH DUP, QoS 2, remaining length 1107
    0x00, 0x03, 0x63, 0x2F, 0x78,  // topic "c/x"
    0x00, 0x06,                    // packet id 6, the same exchange
});
const Bytes small_publish_qos1 = {
    0x32, 0x06,        // PUBLISH QoS 1, remaining length 6
    0x00, 0x01, 0x74,  // topic "t"
    0x00, 0x07,        // packet id 7
    0x76,              // payload "v"
};

event::MessageDropped dropped_on_cx(std::size_t size, packet::Qos level, bool retain) {
  return {"c/x", size, level, retain, "larger than max_packet_size 1024"};
}

TEST(MqttSessionExchange, DropsAnOversizedQos0PublishAndStaysConnected) {
  Session s(small_packets());
  test::Exchange ex(s);
  ex.run(do_connect).expect(connect_wire).reply(connack_resumed, 2ms);
  ex.reply(oversized_qos0_retained, 2ms).expect_nothing();
  EXPECT_EQ(
      ex.seen_of<event::MessageDropped>(),
      (std::vector<event::MessageDropped>{dropped_on_cx(1108, packet::Qos::at_most_once, true)}));
  EXPECT_TRUE(ex.seen_of<event::MessageReceived>().empty());
  EXPECT_EQ(s.state(), event::ConnectionState::connected);
  ex.reply(small_publish_qos1, 2ms).expect({0x40, 0x02, 0x00, 0x07});  // PUBACK id 7
  EXPECT_EQ(ex.seen_of<event::MessageReceived>().size(), 1u);
}

TEST(MqttSessionExchange, AcknowledgesAnOversizedQos1PublishWithoutDeliveringIt) {
  Session s(small_packets());
  test::Exchange ex(s);
  ex.run(do_connect).expect(connect_wire).reply(connack_resumed, 2ms);
  ex.reply(oversized_qos1, 2ms).expect({0x40, 0x02, 0x00, 0x05});  // PUBACK id 5
  EXPECT_EQ(
      ex.seen_of<event::MessageDropped>(),
      (std::vector<event::MessageDropped>{dropped_on_cx(1110, packet::Qos::at_least_once, false)}));
  EXPECT_TRUE(ex.seen_of<event::MessageReceived>().empty());
  EXPECT_EQ(s.state(), event::ConnectionState::connected);
}

TEST(MqttSessionExchange, CompletesAnOversizedQos2PublishWithoutDeliveringIt) {
  Session s(small_packets());
  test::Exchange ex(s);
  ex.run(do_connect).expect(connect_wire).reply(connack_resumed, 2ms);
  ex.reply(oversized_qos2, 2ms).expect({0x50, 0x02, 0x00, 0x06});      // PUBREC id 6
  ex.reply(oversized_qos2_dup, 2ms).expect({0x50, 0x02, 0x00, 0x06});  // PUBREC id 6 again
  ex.reply({0x62, 0x02, 0x00, 0x06}, 2ms);                             // PUBREL id 6
  ex.expect({0x70, 0x02, 0x00, 0x06});                                 // PUBCOMP id 6
  EXPECT_EQ(
      ex.seen_of<event::MessageDropped>(),
      (std::vector<event::MessageDropped>{dropped_on_cx(1110, packet::Qos::exactly_once, false)}));
  EXPECT_TRUE(ex.seen_of<event::MessageReceived>().empty());
  EXPECT_EQ(s.state(), event::ConnectionState::connected);
}

TEST(MqttSessionExchange, AcknowledgesAnOversizedPublishCutAcrossReadsAndThePacketAfterIt) {
  Session s(small_packets());
  test::Exchange ex(s);
  ex.run(do_connect).expect(connect_wire).reply(connack_resumed, 2ms);
  Bytes stream = oversized_qos1;
  stream.insert(stream.end(), small_publish_qos1.begin(), small_publish_qos1.end());
  const std::span<const std::uint8_t> all(stream);
  ex.reply(Bytes(all.begin(), all.begin() + 4), 1ms);           // header and a length byte
  ex.reply(Bytes(all.begin() + 4, all.begin() + 600), 1ms);     // topic, id, payload
  ex.reply(Bytes(all.begin() + 600, all.begin() + 1109), 1ms);  // all but its last byte
  ex.expect_nothing();
  ex.reply(Bytes(all.begin() + 1109, all.end()), 1ms);  // its last byte and the small PUBLISH
  ex.expect({0x40, 0x02, 0x00, 0x05});                  // PUBACK id 5: the dropped one
  ex.expect({0x40, 0x02, 0x00, 0x07});                  // PUBACK id 7: the delivered one
  EXPECT_EQ(ex.seen_of<event::MessageDropped>().size(), 1u);
  ASSERT_EQ(ex.seen_of<event::MessageReceived>().size(), 1u);
  EXPECT_EQ(ex.seen_of<event::MessageReceived>()[0].message.topic, "t");
}

TEST(MqttSessionExchange, OversizedSubackStillClosesTheConnection) {
  Session s(small_packets());
  test::Exchange ex(s);
  ex.run(do_connect).expect(connect_wire).reply(connack_resumed, 2ms);
  ex.run([](Session& x, TimePoint now) {
      return x.subscribe({{"c/#", packet::Qos::at_least_once}}, 9, now);
    })
      .expect({
          0x82, 0x08,                    // SUBSCRIBE, remaining length 8
          0x00, 0x01,                    // packet id 1
          0x00, 0x03, 0x63, 0x2F, 0x23,  // filter "c/#"
          0x01,                          // QoS 1
      });
  ex.reply({0x90, 0xD4, 0x0F}, 2ms);  // SUBACK, remaining length 2004: above 1 KiB
  EXPECT_EQ(s.state(), event::ConnectionState::disconnected);
  const auto changes = ex.seen_of<event::StateChanged>();
  ASSERT_FALSE(changes.empty());
  EXPECT_NE(changes.back().reason.find("SUBACK: packet of 2007 bytes exceeds the maximum of 1024"),
            std::string::npos)
      << changes.back().reason;
  EXPECT_EQ(ex.seen_of<event::CommandRejected>().size(), 1u);
  ex.expect_nothing();
}

TEST(MqttSessionExchange, OversizedPublishBeforeConnackClosesTheConnection) {
  Session s(small_packets());
  test::Exchange ex(s);
  ex.run(do_connect).expect(connect_wire);
  ex.reply(oversized_qos1, 2ms);
  EXPECT_EQ(s.state(), event::ConnectionState::disconnected);
  EXPECT_TRUE(ex.seen_of<event::MessageDropped>().empty());
  ex.expect_nothing();
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
