// The session core through scripted exchanges on a fake clock: keepalive,
// dead peer, CONNACK timeout, a reconnect with DUP and a broker that answers
// QoS 2 with PUBACK, as the wire shows them.
#include <gtest/gtest.h>

#include "tests/unit/mqtt/mqtt_exchange.hpp"

namespace iotgw::mqtt {
namespace {

using namespace std::chrono_literals;
using bytes = std::vector<std::uint8_t>;

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
const bytes pingreq_wire = {0xC0, 0x00};                 // PINGREQ
const bytes pingresp_wire = {0xD0, 0x00};                // PINGRESP
const bytes payload = {0x76};                            // "v"

session_config config() {
  session_config c;
  c.connect.client_id = "gw1";
  c.connect.clean_session = false;
  c.connect.keep_alive = 30;
  return c;
}

events do_connect(session& s, time_point now) {
  return s.connect(now);
}

TEST(MqttSessionExchange, PingsWhenIdleAndDropsASilentBrokerAfterOneAndAHalfKeepalives) {
  session s(config());
  test::exchange ex(s);
  ex.run(do_connect).expect(connect_wire).reply(connack_new, 2ms);
  ex.wait(30s - 2ms).expect(pingreq_wire);  // t = 30 s: nothing sent since CONNECT
  ex.reply(pingresp_wire, 100ms);           // t = 30.1 s: last word from the broker
  ex.wait(29'900ms).expect(pingreq_wire);   // t = 60 s: the next PINGREQ, never answered
  ex.wait(15'099ms);                        // t = 75.099 s: still inside 1.5 keepalives
  EXPECT_EQ(s.state(), connection_state::connected);
  ex.wait(1ms);  // t = 75.1 s = 30.1 s + 45 s
  EXPECT_EQ(s.state(), connection_state::disconnected);
  EXPECT_FALSE(ex.timer_running(timer_kind::keepalive));
  EXPECT_FALSE(ex.timer_running(timer_kind::peer_timeout));
  ex.expect_nothing();
}

TEST(MqttSessionExchange, GivesUpWithoutConnack) {
  session s(config());
  test::exchange ex(s);
  ex.run(do_connect).expect(connect_wire);
  ex.wait(9'999ms);
  EXPECT_EQ(s.state(), connection_state::connecting);
  ex.wait(1ms);
  EXPECT_EQ(s.state(), connection_state::disconnected);
  EXPECT_FALSE(ex.timer_running(timer_kind::connack_timeout));
}

TEST(MqttSessionExchange, ResendsWithDupAfterTheBrokerDropsTheConnection) {
  session s(config());
  test::exchange ex(s);
  ex.run(do_connect).expect(connect_wire).reply(connack_new, 2ms);
  ex.run([](session& x, time_point now) {
      return x.publish(publish_view{"t", payload, qos::at_least_once, false, false, 0}, 42, now);
    })
      .expect({
          0x32, 0x06,        // PUBLISH QoS 1, remaining length 6
          0x00, 0x01, 0x74,  // topic "t"
          0x00, 0x01,        // packet id 1
          0x76,              // payload "v"
      });
  ex.wait(5ms).run([](session& x, time_point now) { return x.connection_lost(now); });
  ex.wait(1s).run(do_connect).expect(connect_wire).reply(connack_resumed, 3ms);
  ex.expect({
      0x3A, 0x06,        // PUBLISH DUP 1, QoS 1, remaining length 6
      0x00, 0x01, 0x74,  // topic "t"
      0x00, 0x01,        // packet id 1, the same as before
      0x76,              // payload "v"
  });
  ex.reply({0x40, 0x02, 0x00, 0x01}, 2ms);  // PUBACK id 1
  EXPECT_EQ(ex.seen_of<publish_completed>(), (std::vector<publish_completed>{{42}}));
}

TEST(MqttSessionExchange, PipelinesUpToTheWindowAndCompletesAcksInAnyOrder) {
  session_config c = config();
  c.max_in_flight = 64;
  session s(c);
  test::exchange ex(s);
  ex.run(do_connect).expect(connect_wire).reply(connack_new, 2ms);
  for (std::uint64_t tag = 1; tag <= 100; ++tag) {
    ex.run([tag](session& x, time_point now) {
      return x.publish(publish_view{"t", payload, qos::at_least_once, false, false, 0}, tag, now);
    });
  }
  for (std::uint16_t id = 1; id <= 64; ++id) {
    ex.expect({0x32, 0x06, 0x00, 0x01, 0x74, static_cast<std::uint8_t>(id >> 8),
               static_cast<std::uint8_t>(id & 0xFF), 0x76});  // PUBLISH QoS 1, "t", id, "v"
  }
  EXPECT_EQ(ex.seen_of<command_rejected>().size(), 36u);
  for (std::uint16_t id = 64; id >= 1; --id) {
    ex.reply({0x40, 0x02, 0x00, static_cast<std::uint8_t>(id)});  // PUBACK id, newest first
  }
  EXPECT_EQ(ex.seen_of<publish_completed>().size(), 64u);
  EXPECT_EQ(s.in_flight(), 0u);
}

const bytes publish_qos2_wire = {
    0x34, 0x06,        // PUBLISH QoS 2, remaining length 6
    0x00, 0x01, 0x74,  // topic "t"
    0x00, 0x01,        // packet id 1
    0x76,              // payload "v"
};

events publish_qos2(session& s, time_point now) {
  return s.publish(publish_view{"t", payload, qos::exactly_once, false, false, 0}, 7, now);
}

TEST(MqttSessionExchange, PubackInsteadOfPubrecCompletesAsDowngradedAndKeepsTheConnection) {
  session s(config());
  test::exchange ex(s);
  ex.run(do_connect).expect(connect_wire).reply(connack_new, 2ms);
  ex.run(publish_qos2).expect(publish_qos2_wire);
  ex.reply({0x40, 0x02, 0x00, 0x01}, 2ms);  // PUBACK id 1, as RabbitMQ answers QoS 2
  EXPECT_EQ(ex.seen_of<publish_completed>(), (std::vector<publish_completed>{{7, true}}));
  EXPECT_EQ(s.state(), connection_state::connected);
  EXPECT_EQ(s.in_flight(), 0u);
  ex.expect_nothing();  // no PUBREL, and nothing to resend later
  ex.run([](session& x, time_point now) { return x.connection_lost(now); });
  ex.wait(1s).run(do_connect).expect(connect_wire).reply(connack_resumed, 3ms);
  ex.expect_nothing();
}

TEST(MqttSessionExchange, PubackAfterPubrelClosesTheConnection) {
  session s(config());
  test::exchange ex(s);
  ex.run(do_connect).expect(connect_wire).reply(connack_new, 2ms);
  ex.run(publish_qos2).expect(publish_qos2_wire);
  ex.reply({0x50, 0x02, 0x00, 0x01}, 2ms);  // PUBREC id 1
  ex.expect({0x62, 0x02, 0x00, 0x01});      // PUBREL id 1
  ex.reply({0x40, 0x02, 0x00, 0x01}, 2ms);  // PUBACK id 1: no exchange is at that step
  EXPECT_EQ(s.state(), connection_state::disconnected);
  EXPECT_TRUE(ex.seen_of<publish_completed>().empty());
}

}  // namespace
}  // namespace iotgw::mqtt
