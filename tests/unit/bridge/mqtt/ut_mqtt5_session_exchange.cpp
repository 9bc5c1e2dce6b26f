// The session core in MQTT 5 through scripted exchanges on a fake clock:
// CONNECT properties and the broker's limits from CONNACK (Receive Maximum,
// Maximum Packet Size, Topic Alias Maximum, Maximum QoS, Retain Available,
// Server Keep Alive, Assigned Client Identifier), the fallback to 3.1.1,
// outbound topic aliases, failure reason codes of PUBACK and PUBREC,
// DISCONNECT from the broker, an inbound Topic Alias, and message properties,
// as the wire shows them.
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_exchange.hpp"
#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using namespace std::chrono_literals;
using namespace test;
using packet::Qos;
using packet::ReasonCode;

const Bytes payload = {0x76};  // "v"

// Client "gw1", keep the session for a day, keepalive 30 s, packets of up to
// 256 KiB from the broker (DecodeLimits' default).
SessionConfig config5() {
  SessionConfig c;
  c.version = Version::v5;
  c.connect.client_id = "gw1";
  c.connect.clean_session = false;
  c.connect.keep_alive = 30;
  c.session_expiry = 86400;
  return c;
}

const Bytes connect5_wire = {
    0x10, 0x1A,                          // CONNECT, remaining length 26
    0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // "MQTT"
    0x05,                                // level 5
    0x00,                                // flags: keep the session
    0x00, 0x1E,                          // keep alive 30 s
    0x0A,                                // properties: 10 bytes
    0x11, 0x00, 0x01, 0x51, 0x80,        // Session Expiry Interval 86400 s
    0x27, 0x00, 0x04, 0x00, 0x00,        // Maximum Packet Size 262144
    0x00, 0x03, 0x67, 0x77, 0x31,        // client id "gw1"
};

const Bytes connack5_new = {
    0x20, 0x03,  // CONNACK, remaining length 3
    0x00,        // no session
    0x00,        // Success
    0x00,        // no properties
};
const Bytes connack5_resumed = {
    0x20, 0x03,  // CONNACK, remaining length 3
    0x01,        // session present
    0x00,        // Success
    0x00,        // no properties
};

const Bytes pingreq_wire = {0xC0, 0x00};  // PINGREQ

Events do_connect(Session& s, TimePoint now) {
  return s.connect(now);
}

Events lose_connection(Session& s, TimePoint now) {
  return s.connection_lost(now);
}

// A command that publishes "v" to `topic`.
auto publish_v(std::string_view topic, Qos qos, std::uint64_t tag, bool retain = false) {
  return [=](Session& s, TimePoint now) {
    return s.publish(packet::PublishView{topic, payload, qos, retain, false, 0}, tag, now);
  };
}

// Message Expiry Interval 20 s, Payload Format Indicator 1 (UTF-8), Content
// Type "application/json", in this order.
const std::vector<packet::Property> json_metadata = {
    {packet::PropertyId::message_expiry_interval, std::uint32_t{20}},
    {packet::PropertyId::payload_format_indicator, std::uint32_t{1}},
    {packet::PropertyId::content_type, std::string("application/json")},
};

// Publishes "v" to "t" at QoS 1 with json_metadata, tag 3.
Events publish_json(Session& s, TimePoint now) {
  return s.publish(
      packet::PublishView{"t", payload, Qos::at_least_once, false, false, 0, json_metadata}, 3,
      now);
}

// A QoS 1 PUBLISH of "v" to "t" in MQTT 5, without properties; `first` is
// 0x32, or 0x3A for a resend with DUP.
Bytes publish5_t(std::uint16_t id, std::uint8_t first = 0x32) {
  const auto id_high = static_cast<std::uint8_t>(id >> 8);
  const auto id_low = static_cast<std::uint8_t>(id);
  return {
      first,   0x07,          // PUBLISH QoS 1, remaining length 7
      0x00,    0x01,   0x74,  // topic "t"
      id_high, id_low,        // packet id
      0x00,                   // no properties
      0x76,                   // payload "v"
  };
}

// PUBACK `id`, Success, in its shortest form.
Bytes puback(std::uint16_t id) {
  return {0x40, 0x02, static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id)};
}

std::vector<event::StateChanged> disconnections(const Exchange& ex) {
  std::vector<event::StateChanged> found;
  for (const auto& change : ex.seen_of<event::StateChanged>()) {
    if (change.state == event::ConnectionState::disconnected) {
      found.push_back(change);
    }
  }
  return found;
}

std::vector<Errc> rejection_codes(const Exchange& ex) {
  std::vector<Errc> codes;
  for (const auto& rejected : ex.seen_of<event::CommandRejected>()) {
    codes.push_back(rejected.why.code);
  }
  return codes;
}

// 1. CONNECT and CONNACK with properties.

TEST(Mqtt5SessionExchange, ConnectCarriesSessionExpiryAndMaximumPacketSizeAndTakesTheLimits) {
  Session s(config5());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire);
  ex.reply(
      {
          0x20, 0x0E,                    // CONNACK, remaining length 14
          0x00,                          // no session
          0x00,                          // Success
          0x0B,                          // properties: 11 bytes
          0x21, 0x00, 0x14,              // Receive Maximum 20
          0x27, 0x00, 0x01, 0x00, 0x00,  // Maximum Packet Size 65536
          0x22, 0x00, 0x05,              // Topic Alias Maximum 5
      },
      2ms);
  EXPECT_EQ(s.state(), event::ConnectionState::connected);
  EXPECT_EQ(s.broker_limits(), (BrokerLimits{20, 65536, 5, Qos::exactly_once, true}));
  EXPECT_EQ(s.version(), Version::v5);
  ex.run(publish_v("t", Qos::at_least_once, 1)).expect(publish5_t(1));
  ex.reply(puback(1), 2ms);
  EXPECT_EQ(ex.seen_of<event::PublishCompleted>(), (std::vector<event::PublishCompleted>{{1}}));
}

// Leaving a broker for another (failback): the broker is asked to publish the
// will all the same, so the status there says the gateway left.
TEST(Mqtt5SessionExchange, DisconnectCanAskTheBrokerToPublishTheWill) {
  Session s(config5());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire).reply(connack5_new, 2ms);
  ex.run([](Session& session, TimePoint now) { return session.disconnect(now, true); })
      .expect({
          0xE0, 0x01,  // DISCONNECT, remaining length 1
          0x04,        // Disconnect with Will Message
      });
  EXPECT_EQ(s.state(), event::ConnectionState::disconnected);
}

// 2. The fallback to MQTT 3.1.1.

SessionConfig falling_back() {
  SessionConfig c = config5();
  c.fall_back_to_3_1_1 = true;
  return c;
}

// After a refusal of MQTT 5: one VersionFallback, the connection closed, and
// the next connection speaks 3.1.1 through and through.
void expect_fell_back(Session& s, Exchange& ex, std::optional<ReasonCode> refusal) {
  EXPECT_EQ(ex.seen_of<event::VersionFallback>().size(), 1u);
  const auto closed = disconnections(ex);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].refusal, refusal);
  EXPECT_EQ(s.state(), event::ConnectionState::disconnected);
  EXPECT_EQ(s.version(), Version::v3_1_1);
  ex.expect_nothing();

  ex.wait(1s).run(do_connect).expect(connect_wire).reply(connack_new, 2ms);  // level 4
  EXPECT_EQ(s.state(), event::ConnectionState::connected);
  ex.run(publish_v("t", Qos::at_least_once, 1))
      .expect({
          0x32, 0x06,        // PUBLISH QoS 1, remaining length 6
          0x00, 0x01, 0x74,  // topic "t"
          0x00, 0x01,        // packet id 1, and no property length
          0x76,              // payload "v"
      });
  ex.reply({0x40, 0x02, 0x00, 0x01}, 2ms);  // PUBACK id 1
  EXPECT_EQ(ex.seen_of<event::PublishCompleted>(), (std::vector<event::PublishCompleted>{{1}}));
  EXPECT_EQ(ex.seen_of<event::VersionFallback>().size(), 1u);
}

TEST(Mqtt5SessionExchange, FallsBackAfterAnMqtt5ConnackUnsupportedProtocolVersion) {
  Session s(falling_back());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire);
  ex.reply(
      {
          0x20, 0x03,  // CONNACK, remaining length 3
          0x00,        // no session
          0x84,        // Unsupported Protocol Version
          0x00,        // no properties
      },
      2ms);
  expect_fell_back(s, ex, ReasonCode::unsupported_protocol_version);
}

TEST(Mqtt5SessionExchange, FallsBackAfterAn311ConnackUnacceptableProtocolLevel) {
  Session s(falling_back());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire);
  ex.reply(
      {
          0x20, 0x02,  // CONNACK, remaining length 2: a 3.1.1 one
          0x00,        // no session
          0x01,        // return code 1: unacceptable protocol level
      },
      2ms);
  expect_fell_back(s, ex, ReasonCode::unsupported_protocol_version);
}

TEST(Mqtt5SessionExchange, FallsBackAfterAn311ConnackCutAcrossReads) {
  Session s(falling_back());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire);
  ex.reply({0x20}, 2ms);        // CONNACK
  ex.reply({0x02, 0x00}, 1ms);  // remaining length 2, no session
  ex.reply({0x01}, 1ms);        // return code 1
  expect_fell_back(s, ex, ReasonCode::unsupported_protocol_version);
}

TEST(Mqtt5SessionExchange, FallsBackWhenTheBrokerClosesBeforeAnyConnack) {
  Session s(falling_back());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire);
  ex.wait(2ms).run(lose_connection);
  expect_fell_back(s, ex, std::nullopt);
}

TEST(Mqtt5SessionExchange, AMessageWaitingAtTheFallbackGoesOutIn311WithoutItsProperties) {
  Session s(falling_back());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire);
  ex.run(publish_json).expect_nothing();          // waits for the CONNACK
  ex.reply({0x20, 0x03, 0x00, 0x84, 0x00}, 2ms);  // CONNACK Unsupported Protocol Version
  ex.wait(1s).run(do_connect).expect(connect_wire).reply(connack_new, 2ms);
  ex.expect({
      0x32, 0x06,        // PUBLISH QoS 1, remaining length 6
      0x00, 0x01, 0x74,  // topic "t"
      0x00, 0x01,        // packet id 1, and no properties
      0x76,              // payload "v"
  });
  EXPECT_TRUE(ex.seen_of<event::PublishCompleted>().empty());
}

TEST(Mqtt5SessionExchange, DoesNotFallBackOnceAnMqtt5ConnackWasAccepted) {
  Session s(falling_back());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire).reply(connack5_new, 2ms);
  ex.wait(5ms).run(lose_connection);
  ex.wait(1s).run(do_connect).expect(connect5_wire);
  ex.wait(2ms).run(lose_connection);  // closed before the CONNACK this time
  ex.wait(1s).run(do_connect).expect(connect5_wire);
  EXPECT_TRUE(ex.seen_of<event::VersionFallback>().empty());
  EXPECT_EQ(s.version(), Version::v5);
}

TEST(Mqtt5SessionExchange, DoesNotFallBackUnlessConfiguredTo) {
  Session s(config5());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire);
  ex.reply({0x20, 0x03, 0x00, 0x84, 0x00}, 2ms);  // CONNACK Unsupported Protocol Version
  const auto closed = disconnections(ex);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].refusal, ReasonCode::unsupported_protocol_version);
  ex.wait(1s).run(do_connect).expect(connect5_wire);
  EXPECT_TRUE(ex.seen_of<event::VersionFallback>().empty());
  EXPECT_EQ(s.version(), Version::v5);
}

// 3. Receive Maximum below max_in_flight.

const Bytes connack5_receive_maximum_2 = {
    0x20, 0x06,        // CONNACK, remaining length 6
    0x00,              // no session
    0x00,              // Success
    0x03,              // properties: 3 bytes
    0x21, 0x00, 0x02,  // Receive Maximum 2
};

SessionConfig window_of_8() {
  SessionConfig c = config5();
  c.max_in_flight = 8;
  return c;
}

// The window stays max_in_flight; Receive Maximum caps what is on the wire,
// the rest waits in the session for an acknowledgement.
TEST(Mqtt5SessionExchange, ReceiveMaximumCapsWhatIsOnTheWire) {
  Session s(window_of_8());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire).reply(connack5_receive_maximum_2, 2ms);
  ex.run(publish_v("t", Qos::at_least_once, 1)).expect(publish5_t(1));
  ex.run(publish_v("t", Qos::at_least_once, 2)).expect(publish5_t(2));
  EXPECT_EQ(s.on_wire(), 2u);
  ex.run(publish_v("t", Qos::at_least_once, 3)).expect_nothing();
  EXPECT_TRUE(rejection_codes(ex).empty());
  EXPECT_EQ(s.in_flight(), 3u);
  EXPECT_FALSE(s.window_full());
  ex.reply(puback(1), 2ms).expect(publish5_t(3));
  EXPECT_EQ(s.on_wire(), 2u);
}

TEST(Mqtt5SessionExchange, AReconnectResendsOnlyWhatReceiveMaximumAllowsInOrder) {
  Session s(window_of_8());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire).reply(connack5_new, 2ms);  // no Receive Maximum
  for (std::uint16_t id = 1; id <= 3; ++id) {
    ex.run(publish_v("t", Qos::at_least_once, id)).expect(publish5_t(id));
  }
  ex.wait(5ms).run(lose_connection);
  ex.wait(1s).run(do_connect).expect(connect5_wire);
  ex.reply(
      {
          0x20, 0x06,        // CONNACK, remaining length 6
          0x01,              // session present
          0x00,              // Success
          0x03,              // properties: 3 bytes
          0x21, 0x00, 0x02,  // Receive Maximum 2
      },
      2ms);
  ex.expect(publish5_t(1, 0x3A)).expect(publish5_t(2, 0x3A)).expect_nothing();
  EXPECT_EQ(s.on_wire(), 2u);
  ex.reply(puback(1), 2ms).expect(publish5_t(3, 0x3A));
  ex.reply(puback(2), 2ms).reply(puback(3), 2ms).expect_nothing();
  EXPECT_EQ(ex.seen_of<event::PublishCompleted>(),
            (std::vector<event::PublishCompleted>{{1}, {2}, {3}}));
  EXPECT_EQ(s.in_flight(), 0u);
}

// 4. Outbound topic aliases.

SessionConfig with_aliases() {
  SessionConfig c = config5();
  c.topic_aliases = 64;
  return c;
}

const Bytes connack5_two_aliases = {
    0x20, 0x06,        // CONNACK, remaining length 6
    0x00,              // no session
    0x00,              // Success
    0x03,              // properties: 3 bytes
    0x22, 0x00, 0x02,  // Topic Alias Maximum 2
};

// A QoS 0 PUBLISH of "v" to "a/<digit>" with no alias.
Bytes publish_a_without_alias(std::uint8_t digit) {
  return {
      0x30, 0x07,                     // PUBLISH QoS 0, remaining length 7
      0x00, 0x03, 0x61, 0x2F, digit,  // topic "a/<digit>"
      0x00,                           // no properties
      0x76,                           // payload "v"
  };
}

// A QoS 0 PUBLISH of "v" to "a/<digit>" that sets topic alias `alias`.
Bytes publish_a_setting_alias(std::uint8_t digit, std::uint8_t alias) {
  return {
      0x30, 0x0A,                      // PUBLISH QoS 0, remaining length 10
      0x00, 0x03, 0x61,  0x2F, digit,  // topic "a/<digit>"
      0x03,                            // properties: 3 bytes
      0x23, 0x00, alias,               // Topic Alias
      0x76,                            // payload "v"
  };
}

// A QoS 0 PUBLISH of "v" by topic alias `alias` alone.
Bytes publish_by_alias(std::uint8_t alias) {
  return {
      0x30, 0x07,         // PUBLISH QoS 0, remaining length 7
      0x00, 0x00,         // empty topic
      0x03,               // properties: 3 bytes
      0x23, 0x00, alias,  // Topic Alias
      0x76,               // payload "v"
  };
}

TEST(Mqtt5SessionExchange, AliasesGoToTheTopicsPublishedMostOften) {
  Session s(with_aliases());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire).reply(connack5_two_aliases, 2ms);
  ex.run(publish_v("a/1", Qos::at_most_once, 1)).expect(publish_a_setting_alias('1', 1));
  ex.run(publish_v("a/1", Qos::at_most_once, 2)).expect(publish_by_alias(1));
  ex.run(publish_v("a/2", Qos::at_most_once, 3)).expect(publish_a_setting_alias('2', 2));
  // No alias left: a/3 (1 use) is no more used than a/2 (1 use).
  ex.run(publish_v("a/3", Qos::at_most_once, 4)).expect(publish_a_without_alias('3'));
  // a/3 (2 uses) now beats a/2 (1 use) and takes its alias, sending the topic.
  ex.run(publish_v("a/3", Qos::at_most_once, 5)).expect(publish_a_setting_alias('3', 2));
  ex.run(publish_v("a/3", Qos::at_most_once, 6)).expect(publish_by_alias(2));
  // a/2 (2 uses) beats neither a/1 (2) nor a/3 (3).
  ex.run(publish_v("a/2", Qos::at_most_once, 7)).expect(publish_a_without_alias('2'));
  ex.run(publish_v("a/1", Qos::at_most_once, 8)).expect(publish_by_alias(1));
  EXPECT_EQ(s.topic_aliases_in_use(), 2u);
  EXPECT_EQ(ex.seen_of<event::PublishCompleted>().size(), 8u);
}

TEST(Mqtt5SessionExchange, ANewConnectionSendsTheTopicAgainWithItsAlias) {
  Session s(with_aliases());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire).reply(connack5_two_aliases, 2ms);
  ex.run(publish_v("a/1", Qos::at_most_once, 1)).expect(publish_a_setting_alias('1', 1));
  ex.run(publish_v("a/1", Qos::at_most_once, 2)).expect(publish_by_alias(1));
  ex.wait(5ms).run(lose_connection);
  ex.wait(1s).run(do_connect).expect(connect5_wire).reply(connack5_two_aliases, 2ms);
  ex.run(publish_v("a/1", Qos::at_most_once, 3)).expect(publish_a_setting_alias('1', 1));
  ex.run(publish_v("a/1", Qos::at_most_once, 4)).expect(publish_by_alias(1));
}

TEST(Mqtt5SessionExchange, ResendsInFlightMessagesWithTheTopicOnTheNewConnection) {
  Session s(with_aliases());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire).reply(connack5_two_aliases, 2ms);
  ex.run(publish_v("t", Qos::at_least_once, 1))
      .expect({
          0x32, 0x0A,              // PUBLISH QoS 1, remaining length 10
          0x00, 0x01, 0x74,        // topic "t"
          0x00, 0x01,              // packet id 1
          0x03, 0x23, 0x00, 0x01,  // properties: Topic Alias 1
          0x76,                    // payload "v"
      });
  ex.run(publish_v("t", Qos::at_least_once, 2))
      .expect({
          0x32, 0x09,              // PUBLISH QoS 1, remaining length 9
          0x00, 0x00,              // empty topic
          0x00, 0x02,              // packet id 2
          0x03, 0x23, 0x00, 0x01,  // properties: Topic Alias 1
          0x76,                    // payload "v"
      });
  ex.wait(5ms).run(lose_connection);
  ex.wait(1s).run(do_connect).expect(connect5_wire);
  ex.reply(
      {
          0x20, 0x06,        // CONNACK, remaining length 6
          0x01,              // session present
          0x00,              // Success
          0x03,              // properties: 3 bytes
          0x22, 0x00, 0x02,  // Topic Alias Maximum 2
      },
      2ms);
  ex.expect({
      0x3A, 0x0A,              // PUBLISH DUP, QoS 1, remaining length 10
      0x00, 0x01, 0x74,        // topic "t": the mapping ended with the connection
      0x00, 0x01,              // packet id 1
      0x03, 0x23, 0x00, 0x01,  // properties: Topic Alias 1
      0x76,                    // payload "v"
  });
  ex.expect({
      0x3A, 0x09,              // PUBLISH DUP, QoS 1, remaining length 9
      0x00, 0x00,              // empty topic
      0x00, 0x02,              // packet id 2
      0x03, 0x23, 0x00, 0x01,  // properties: Topic Alias 1, set just before
      0x76,                    // payload "v"
  });
}

TEST(Mqtt5SessionExchange, NoAliasWithoutTheBrokersTopicAliasMaximum) {
  Session s(with_aliases());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire).reply(connack5_new, 2ms);
  ex.run(publish_v("a/1", Qos::at_most_once, 1)).expect(publish_a_without_alias('1'));
  ex.run(publish_v("a/1", Qos::at_most_once, 2)).expect(publish_a_without_alias('1'));
  EXPECT_EQ(s.topic_aliases_in_use(), 0u);
}

TEST(Mqtt5SessionExchange, NoAliasInMqtt311) {
  SessionConfig c = with_aliases();
  c.version = Version::v3_1_1;
  c.session_expiry = 0;
  Session s(c);
  Exchange ex(s);
  ex.run(do_connect).expect(connect_wire).reply(connack_new, 2ms);
  for (std::uint64_t tag = 1; tag <= 3; ++tag) {
    ex.run(publish_v("a/1", Qos::at_most_once, tag))
        .expect({
            0x30, 0x06,                    // PUBLISH QoS 0, remaining length 6
            0x00, 0x03, 0x61, 0x2F, 0x31,  // topic "a/1", and no property length
            0x76,                          // payload "v"
        });
  }
  EXPECT_EQ(s.topic_aliases_in_use(), 0u);
}

// 5. Failure reason codes in PUBACK and PUBREC.

TEST(Mqtt5SessionExchange, APubackRefusalCompletesThatMessageAlone) {
  SessionConfig c = config5();
  c.max_in_flight = 3;
  Session s(c);
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire).reply(connack5_new, 2ms);
  for (std::uint16_t id = 1; id <= 3; ++id) {
    ex.run(publish_v("t", Qos::at_least_once, 10 + id)).expect(publish5_t(id));
  }
  EXPECT_TRUE(s.window_full());
  ex.reply(
      {
          0x40, 0x0A,        // PUBACK, remaining length 10
          0x00, 0x02,        // packet id 2
          0x87,              // Not authorized
          0x06,              // properties: 6 bytes
          0x1F, 0x00, 0x03,  // Reason String, 3 bytes:
          0x61, 0x63, 0x6C,  // "acl"
      },
      2ms);
  EXPECT_EQ(ex.seen_of<event::PublishCompleted>(),
            (std::vector<event::PublishCompleted>{{12, false, ReasonCode::not_authorized, "acl"}}));
  EXPECT_EQ(s.in_flight(), 2u);
  EXPECT_EQ(s.state(), event::ConnectionState::connected);
  // Its slot is free at once; 1 and 3 still wait for their PUBACKs.
  ex.run(publish_v("t", Qos::at_least_once, 14)).expect(publish5_t(4));
  ex.reply(puback(2), 1ms);  // late: that exchange is over
  ex.reply(puback(3), 1ms).reply(puback(1), 1ms).reply(puback(4), 1ms).expect_nothing();
  EXPECT_EQ(ex.seen_of<event::PublishCompleted>(),
            (std::vector<event::PublishCompleted>{
                {12, false, ReasonCode::not_authorized, "acl"}, {13}, {11}, {14}}));
  EXPECT_EQ(s.in_flight(), 0u);
}

TEST(Mqtt5SessionExchange, ThePacketIdOfARefusedMessageIsHandedOutAgain) {
  Session s(config5());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire).reply(connack5_new, 2ms);
  for (std::uint16_t id = 1; id <= 3; ++id) {
    ex.run(publish_v("t", Qos::at_least_once, id)).expect(publish5_t(id));
  }
  ex.reply({0x40, 0x03, 0x00, 0x02, 0x87}, 1ms);  // PUBACK id 2, Not authorized
  // Ids 4 to 65535 go round once while 1 and 3 stay in flight, past the
  // script for speed: the other tests check these bytes.
  const packet::PublishView message{"t", payload, Qos::at_least_once, false, false, 0};
  for (std::uint32_t id = 4; id <= 65535; ++id) {
    s.publish(message, id, ex.now());
    s.feed(puback(static_cast<std::uint16_t>(id)), ex.now());
  }
  EXPECT_EQ(s.in_flight(), 2u);
  ex.run(publish_v("t", Qos::at_least_once, 70000)).expect(publish5_t(2));
  EXPECT_EQ(s.in_flight(), 3u);
}

TEST(Mqtt5SessionExchange, APubrecRefusalEndsTheQos2ExchangeWithoutPubrel) {
  Session s(config5());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire).reply(connack5_new, 2ms);
  ex.run(publish_v("t", Qos::exactly_once, 7))
      .expect({
          0x34, 0x07,        // PUBLISH QoS 2, remaining length 7
          0x00, 0x01, 0x74,  // topic "t"
          0x00, 0x01,        // packet id 1
          0x00,              // no properties
          0x76,              // payload "v"
      });
  ex.reply(
      {
          0x50, 0x03,  // PUBREC, remaining length 3
          0x00, 0x01,  // packet id 1
          0x99,        // Payload format invalid
      },
      2ms);
  ex.expect_nothing();  // no PUBREL
  EXPECT_EQ(
      ex.seen_of<event::PublishCompleted>(),
      (std::vector<event::PublishCompleted>{{7, false, ReasonCode::payload_format_invalid, ""}}));
  EXPECT_EQ(s.in_flight(), 0u);
  EXPECT_EQ(s.state(), event::ConnectionState::connected);
}

// 6. The broker's Maximum Packet Size.

const Bytes connack5_maximum_packet_size_32 = {
    0x20, 0x08,                    // CONNACK, remaining length 8
    0x00,                          // no session
    0x00,                          // Success
    0x05,                          // properties: 5 bytes
    0x27, 0x00, 0x00, 0x00, 0x20,  // Maximum Packet Size 32
};

// A command that publishes `size` bytes "AAA..." to "t".
auto publish_bytes(std::size_t size, Qos qos, std::uint64_t tag) {
  return [=](Session& s, TimePoint now) {
    const Bytes body(size, 0x41);
    return s.publish(packet::PublishView{"t", body, qos, false, false, 0}, tag, now);
  };
}

TEST(Mqtt5SessionExchange, APublishAboveTheBrokersMaximumPacketSizeIsRefusedAtOnce) {
  Session s(config5());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire).reply(connack5_maximum_packet_size_32, 2ms);
  EXPECT_EQ(s.broker_limits().maximum_packet_size, 32u);
  // 1 + 1 + 3 (topic) + 2 (id) + 1 (properties) + 25 = 33 bytes.
  ex.run(publish_bytes(25, Qos::at_least_once, 5)).expect_nothing();
  EXPECT_EQ(rejection_codes(ex), std::vector<Errc>{Errc::packet_too_large});
  EXPECT_EQ(ex.seen_of<event::CommandRejected>()[0].tag, 5u);
  EXPECT_TRUE(ex.seen_of<event::PublishCompleted>().empty());
  EXPECT_EQ(s.in_flight(), 0u);
  EXPECT_EQ(s.state(), event::ConnectionState::connected);
}

TEST(Mqtt5SessionExchange, APublishOfExactlyTheBrokersMaximumPacketSizeGoesOut) {
  Session s(config5());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire).reply(connack5_maximum_packet_size_32, 2ms);
  Bytes wire = {
      0x32, 0x1E,        // PUBLISH QoS 1, remaining length 30: 32 bytes in all
      0x00, 0x01, 0x74,  // topic "t"
      0x00, 0x01,        // packet id 1
      0x00,              // no properties
  };
  wire.resize(32, 0x41);  // payload: 24 bytes "AAA..."
  ex.run(publish_bytes(24, Qos::at_least_once, 5)).expect(wire);
  EXPECT_TRUE(ex.seen_of<event::CommandRejected>().empty());
  EXPECT_EQ(s.in_flight(), 1u);
}

TEST(Mqtt5SessionExchange, AWaitingMessageAboveTheNewConnectionsMaximumFails) {
  Session s(config5());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire);
  ex.run(publish_bytes(25, Qos::at_least_once, 5));  // waits for the CONNACK
  ex.reply(connack5_maximum_packet_size_32, 2ms).expect_nothing();
  const auto completed = ex.seen_of<event::PublishCompleted>();
  ASSERT_EQ(completed.size(), 1u);
  EXPECT_EQ(completed[0].tag, 5u);
  EXPECT_EQ(completed[0].reason, ReasonCode::packet_too_large);
  EXPECT_EQ(s.in_flight(), 0u);
}

TEST(Mqtt5SessionExchange, TheNextConnectStillAnnouncesOurMaximumPacketSize) {
  Session s(config5());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire).reply(connack5_maximum_packet_size_32, 2ms);
  ex.wait(5ms).run(lose_connection);
  ex.wait(1s).run(do_connect).expect(connect5_wire);
}

// A QoS 0 PUBLISH to "t" whose topic alias would carry it over the broker's
// Maximum Packet Size although it fits without one: a Content Type of 124
// bytes makes 127 bytes of properties, and 16252 bytes of payload a remaining
// length of 16383, so the 3 bytes of a Topic Alias lengthen both the property
// length and the remaining length by one byte: 16386 bytes without, 16391
// with.
const std::string content_type_124(124, 'x');
const Bytes payload_16252(16252, 0x41);
const std::vector<packet::Property> long_content_type = {
    {packet::PropertyId::content_type, content_type_124}};

Bytes publish_too_large_for_an_alias() {
  Bytes wire = {
      0x30, 0xFF, 0x7F,  // PUBLISH QoS 0, remaining length 16383
      0x00, 0x01, 0x74,  // topic "t"
      0x7F,              // properties: 127 bytes
      0x03, 0x00, 0x7C,  // Content Type, 124 bytes
  };
  wire.insert(wire.end(), content_type_124.begin(), content_type_124.end());
  wire.insert(wire.end(), payload_16252.begin(), payload_16252.end());
  return wire;
}

TEST(Mqtt5SessionExchange, APublishThatFitsOnlyWithoutAnAliasGoesWithoutOne) {
  Session s(with_aliases());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire);
  ex.reply(
      {
          0x20, 0x0B,                    // CONNACK, remaining length 11
          0x00,                          // no session
          0x00,                          // Success
          0x08,                          // properties: 8 bytes
          0x22, 0x00, 0x02,              // Topic Alias Maximum 2
          0x27, 0x00, 0x00, 0x40, 0x06,  // Maximum Packet Size 16390
      },
      2ms);
  const Bytes expected = publish_too_large_for_an_alias();
  ASSERT_EQ(expected.size(), 16386u);
  ex.run([](Session& x, TimePoint now) {
      return x.publish(packet::PublishView{"t", payload_16252, Qos::at_most_once, false, false, 0,
                                           long_content_type},
                       1, now);
    }).expect(expected);
  EXPECT_TRUE(ex.seen_of<event::CommandRejected>().empty());
  EXPECT_EQ(s.topic_aliases_in_use(), 0u);
  ex.run(publish_v("t", Qos::at_most_once, 2))
      .expect({
          0x30, 0x08,              // PUBLISH QoS 0, remaining length 8
          0x00, 0x01, 0x74,        // topic "t"
          0x03, 0x23, 0x00, 0x01,  // properties: Topic Alias 1
          0x76,                    // payload "v"
      });
}

// 7. Server Keep Alive and Assigned Client Identifier.

TEST(Mqtt5SessionExchange, TheServerKeepAliveReplacesOurs) {
  Session s(config5());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire);
  ex.reply(
      {
          0x20, 0x06,        // CONNACK, remaining length 6
          0x00,              // no session
          0x00,              // Success
          0x03,              // properties: 3 bytes
          0x13, 0x00, 0x0A,  // Server Keep Alive 10 s
      },
      2ms);
  ex.wait(10s - 3ms).expect_nothing();  // t = 9.999 s
  ex.wait(1ms).expect(pingreq_wire);    // t = 10 s: not 30
  ex.wait(5s + 1ms);                    // t = 15.001 s, the PINGREQ unanswered
  EXPECT_EQ(s.state(), event::ConnectionState::connected);
  ex.wait(1ms);  // t = 15.002 s: 1.5 x 10 s after the CONNACK
  EXPECT_EQ(s.state(), event::ConnectionState::disconnected);
  ex.expect_nothing();
}

TEST(Mqtt5SessionExchange, TheNextConnectUsesTheAssignedClientIdentifier) {
  SessionConfig c = config5();
  c.connect.client_id = "";
  Session s(c);
  Exchange ex(s);
  ex.run(do_connect)
      .expect({
          0x10, 0x17,                          // CONNECT, remaining length 23
          0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // "MQTT"
          0x05,                                // level 5
          0x00,                                // flags: keep the session
          0x00, 0x1E,                          // keep alive 30 s
          0x0A,                                // properties: 10 bytes
          0x11, 0x00, 0x01, 0x51, 0x80,        // Session Expiry Interval 86400 s
          0x27, 0x00, 0x04, 0x00, 0x00,        // Maximum Packet Size 262144
          0x00, 0x00,                          // client id "": the broker assigns one
      });
  ex.reply(
      {
          0x20, 0x09,        // CONNACK, remaining length 9
          0x00,              // no session
          0x00,              // Success
          0x06,              // properties: 6 bytes
          0x12, 0x00, 0x03,  // Assigned Client Identifier, 3 bytes:
          0x69, 0x64, 0x39,  // "id9"
      },
      2ms);
  ex.wait(5ms).run(lose_connection);
  ex.wait(1s)
      .run(do_connect)
      .expect({
          0x10, 0x1A,                          // CONNECT, remaining length 26
          0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // "MQTT"
          0x05,                                // level 5
          0x00,                                // flags: keep the session
          0x00, 0x1E,                          // keep alive 30 s
          0x0A,                                // properties: 10 bytes
          0x11, 0x00, 0x01, 0x51, 0x80,        // Session Expiry Interval 86400 s
          0x27, 0x00, 0x04, 0x00, 0x00,        // Maximum Packet Size 262144
          0x00, 0x03, 0x69, 0x64, 0x39,        // client id "id9", as assigned
      });
}

// 8. DISCONNECT from the broker.

TEST(Mqtt5SessionExchange, ADisconnectFromTheBrokerSaysWhy) {
  Session s(config5());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire).reply(connack5_new, 2ms);
  ex.reply(
      {
          0xE0, 0x10,                    // DISCONNECT, remaining length 16
          0x8B,                          // Server shutting down
          0x0E,                          // properties: 14 bytes
          0x1F, 0x00, 0x0B,              // Reason String, 11 bytes:
          0x6D, 0x61, 0x69, 0x6E, 0x74,  // "maint"
          0x65, 0x6E, 0x61, 0x6E, 0x63,  // "enanc"
          0x65,                          // "e"
      },
      1s);
  EXPECT_EQ(s.state(), event::ConnectionState::disconnected);
  const auto closed = disconnections(ex);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_NE(closed[0].reason.find("Server shutting down"), std::string::npos) << closed[0].reason;
  EXPECT_NE(closed[0].reason.find("maintenance"), std::string::npos) << closed[0].reason;
  EXPECT_FALSE(ex.timer_running(event::TimerKind::keepalive));
  EXPECT_FALSE(ex.timer_running(event::TimerKind::peer_timeout));
  ex.expect_nothing();  // no DISCONNECT in answer (5.0 3.14.4)
}

// 9. Maximum QoS and Retain Available.

TEST(Mqtt5SessionExchange, MaximumQos1AndNoRetainDowngradeAQos2RetainedPublish) {
  Session s(config5());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire);
  ex.reply(
      {
          0x20, 0x07,  // CONNACK, remaining length 7
          0x00,        // no session
          0x00,        // Success
          0x04,        // properties: 4 bytes
          0x24, 0x01,  // Maximum QoS 1
          0x25, 0x00,  // Retain Available 0
      },
      2ms);
  EXPECT_EQ(s.broker_limits().maximum_qos, Qos::at_least_once);
  EXPECT_FALSE(s.broker_limits().retain_available);
  ex.run(publish_v("t", Qos::exactly_once, 9, true))
      .expect(publish5_t(1));  // QoS 1, RETAIN cleared
  ex.reply(puback(1), 2ms).expect_nothing();
  EXPECT_EQ(ex.seen_of<event::PublishCompleted>(),
            (std::vector<event::PublishCompleted>{{9, true}}));
  EXPECT_EQ(s.in_flight(), 0u);
}

TEST(Mqtt5SessionExchange, ADowngradedMessageIsResentAtQos1OnTheKeptSession) {
  Session s(config5());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire);
  ex.reply({0x20, 0x05, 0x00, 0x00, 0x02, 0x24, 0x01}, 2ms);  // CONNACK, Maximum QoS 1
  ex.run(publish_v("t", Qos::exactly_once, 9)).expect(publish5_t(1));
  ex.wait(5ms).run(lose_connection);
  // The broker now allows QoS 2 but kept the session, where packet id 1 is
  // a QoS 1 exchange (5.0 4.4: the same PUBLISH is sent again).
  ex.wait(1s).run(do_connect).expect(connect5_wire).reply(connack5_resumed, 2ms);
  ex.expect(publish5_t(1, 0x3A));  // DUP, QoS 1
  ex.reply(puback(1), 2ms).expect_nothing();
  EXPECT_EQ(ex.seen_of<event::PublishCompleted>(),
            (std::vector<event::PublishCompleted>{{9, true}}));
  EXPECT_EQ(s.state(), event::ConnectionState::connected);
}

// 10. A Topic Alias from the broker, which our CONNECT allows none.

TEST(Mqtt5SessionExchange, AnInboundTopicAliasEndsTheConnectionWithTopicAliasInvalid) {
  Session s(config5());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire).reply(connack5_new, 2ms);
  ex.reply(
      {
          0x30, 0x08,              // PUBLISH QoS 0, remaining length 8
          0x00, 0x01, 0x74,        // topic "t"
          0x03, 0x23, 0x00, 0x01,  // properties: Topic Alias 1
          0x76,                    // payload "v"
      },
      2ms);
  ex.expect({
      0xE0, 0x01,  // DISCONNECT, remaining length 1
      0x94,        // Topic Alias invalid
  });
  EXPECT_EQ(s.state(), event::ConnectionState::disconnected);
  EXPECT_TRUE(ex.seen_of<event::MessageReceived>().empty());
}

// 11. Message properties.

TEST(Mqtt5SessionExchange, MessagePropertiesGoOutInTheirOrder) {
  Session s(config5());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire).reply(connack5_new, 2ms);
  ex.run(publish_json)
      .expect({
          0x32, 0x21,                    // PUBLISH QoS 1, remaining length 33
          0x00, 0x01, 0x74,              // topic "t"
          0x00, 0x01,                    // packet id 1
          0x1A,                          // properties: 26 bytes
          0x02, 0x00, 0x00, 0x00, 0x14,  // Message Expiry Interval 20 s
          0x01, 0x01,                    // Payload Format Indicator 1: UTF-8
          0x03, 0x00, 0x10,              // Content Type, 16 bytes:
          0x61, 0x70, 0x70, 0x6C, 0x69,  // "appli"
          0x63, 0x61, 0x74, 0x69, 0x6F,  // "catio"
          0x6E, 0x2F, 0x6A, 0x73, 0x6F,  // "n/jso"
          0x6E,                          // "n"
          0x76,                          // payload "v"
      });
}

TEST(Mqtt5SessionExchange, MessagePropertiesAreLeftOutInMqtt311) {
  SessionConfig c = config5();
  c.version = Version::v3_1_1;
  c.session_expiry = 0;
  Session s(c);
  Exchange ex(s);
  ex.run(do_connect).expect(connect_wire).reply(connack_new, 2ms);
  ex.run(publish_json)
      .expect({
          0x32, 0x06,        // PUBLISH QoS 1, remaining length 6
          0x00, 0x01, 0x74,  // topic "t"
          0x00, 0x01,        // packet id 1
          0x76,              // payload "v"
      });
}

// 12. In-flight messages that end with their connection (Sparkplug B, whose
// caller numbers each message for the connection it goes out on, and sends
// again itself what a connection left unacknowledged).

SessionConfig ending_with_connection() {
  SessionConfig c = window_of_8();
  c.in_flight_ends_with_connection = true;
  return c;
}

const Bytes disconnect5_server_shutting_down = {
    0xE0, 0x01,  // DISCONNECT, remaining length 1
    0x8B,        // Server shutting down
};

std::vector<std::uint64_t> rejected_tags(const Exchange& ex) {
  std::vector<std::uint64_t> tags;
  for (const auto& rejected : ex.seen_of<event::CommandRejected>()) {
    tags.push_back(rejected.tag);
  }
  return tags;
}

TEST(Mqtt5SessionExchange, ALostConnectionGivesBackWhatWasInFlightAndResendsNothing) {
  Session s(ending_with_connection());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire).reply(connack5_receive_maximum_2, 2ms);
  ex.run(publish_v("t", Qos::at_least_once, 1)).expect(publish5_t(1));
  ex.run(publish_v("t", Qos::at_least_once, 2)).expect(publish5_t(2));
  ex.run(publish_v("t", Qos::at_least_once, 3)).expect_nothing();  // beyond Receive Maximum
  EXPECT_TRUE(rejected_tags(ex).empty());
  EXPECT_EQ(s.in_flight(), 3u);

  ex.wait(5ms).run(lose_connection);
  // On the wire or waiting, each comes back once, in the order it was published.
  EXPECT_EQ(rejected_tags(ex), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(rejection_codes(ex),
            (std::vector<Errc>{Errc::not_connected, Errc::not_connected, Errc::not_connected}));
  EXPECT_TRUE(ex.seen_of<event::PublishCompleted>().empty());
  EXPECT_EQ(s.in_flight(), 0u);
  EXPECT_EQ(s.on_wire(), 0u);

  // Even on a session the broker kept, nothing goes out again.
  ex.wait(1s).run(do_connect).expect(connect5_wire).reply(connack5_resumed, 2ms).expect_nothing();
  EXPECT_EQ(rejected_tags(ex).size(), 3u);
  EXPECT_TRUE(ex.seen_of<event::PublishCompleted>().empty());

  // Their packet ids are free again: once ids 4 to 65535 have gone round
  // (past the script for speed), the next message takes id 1.
  const packet::PublishView message{"t", payload, Qos::at_least_once, false, false, 0};
  for (std::uint32_t id = 4; id <= 65535; ++id) {
    s.publish(message, id, ex.now());
    s.feed(puback(static_cast<std::uint16_t>(id)), ex.now());
  }
  EXPECT_EQ(s.in_flight(), 0u);
  ex.run(publish_v("t", Qos::at_least_once, 70000)).expect(publish5_t(1));
  ex.run(publish_v("t", Qos::at_least_once, 70001)).expect(publish5_t(2));
  EXPECT_EQ(rejected_tags(ex).size(), 3u);
}

TEST(Mqtt5SessionExchange, ADisconnectFromTheBrokerGivesBackWhatWasInFlight) {
  Session s(ending_with_connection());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire).reply(connack5_receive_maximum_2, 2ms);
  for (std::uint16_t id = 1; id <= 2; ++id) {
    ex.run(publish_v("t", Qos::at_least_once, id)).expect(publish5_t(id));
  }
  ex.run(publish_v("t", Qos::exactly_once, 3)).expect_nothing();  // beyond Receive Maximum
  ex.reply(puback(1), 1ms);
  ex.expect({
      0x34, 0x07,        // PUBLISH QoS 2, remaining length 7
      0x00, 0x01, 0x74,  // topic "t"
      0x00, 0x03,        // packet id 3
      0x00,              // no properties
      0x76,              // payload "v"
  });
  ex.run(publish_v("t", Qos::at_least_once, 4)).expect_nothing();  // beyond Receive Maximum
  EXPECT_EQ(ex.seen_of<event::PublishCompleted>(), (std::vector<event::PublishCompleted>{{1}}));

  ex.reply(disconnect5_server_shutting_down, 1s).expect_nothing();
  EXPECT_EQ(s.state(), event::ConnectionState::disconnected);
  EXPECT_EQ(rejected_tags(ex), (std::vector<std::uint64_t>{2, 3, 4}));
  EXPECT_EQ(rejection_codes(ex),
            (std::vector<Errc>{Errc::not_connected, Errc::not_connected, Errc::not_connected}));
  EXPECT_EQ(s.in_flight(), 0u);
  EXPECT_EQ(s.on_wire(), 0u);

  ex.wait(1s).run(do_connect).expect(connect5_wire).reply(connack5_resumed, 2ms).expect_nothing();
  // The next message goes out alone, without waiting behind the ones given back.
  ex.run(publish_v("t", Qos::at_least_once, 5)).expect(publish5_t(5)).expect_nothing();
  ex.reply(puback(5), 1ms);
  EXPECT_EQ(ex.seen_of<event::PublishCompleted>(),
            (std::vector<event::PublishCompleted>{{1}, {5}}));
  EXPECT_EQ(rejected_tags(ex), (std::vector<std::uint64_t>{2, 3, 4}));
}

TEST(Mqtt5SessionExchange, APublishWithoutAConnectionIsRefusedAtOnceWhateverItsQos) {
  Session s(ending_with_connection());
  Exchange ex(s);
  ex.run(publish_v("t", Qos::at_least_once, 1));  // never connected
  ex.run(do_connect).expect(connect5_wire);
  ex.run(publish_v("t", Qos::exactly_once, 2));  // connecting, no CONNACK yet
  ex.run(publish_v("t", Qos::at_most_once, 3));
  EXPECT_EQ(rejected_tags(ex), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(rejection_codes(ex),
            (std::vector<Errc>{Errc::not_connected, Errc::not_connected, Errc::not_connected}));
  EXPECT_EQ(s.in_flight(), 0u);
  ex.reply(connack5_new, 2ms).expect_nothing();  // nothing was kept for the CONNACK

  ex.run(publish_v("t", Qos::at_least_once, 4)).expect(publish5_t(1));
  ex.wait(5ms).run(lose_connection);
  ex.run(publish_v("t", Qos::at_least_once, 5));  // connection lost
  EXPECT_EQ(rejected_tags(ex), (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(s.in_flight(), 0u);
  ex.wait(1s).run(do_connect).expect(connect5_wire).reply(connack5_new, 2ms).expect_nothing();
}

// The default: the session keeps what was in flight across connections.
TEST(Mqtt5SessionExchange, WithoutTheOptionInFlightMessagesOutliveABrokersDisconnect) {
  Session s(window_of_8());
  Exchange ex(s);
  ex.run(do_connect).expect(connect5_wire).reply(connack5_receive_maximum_2, 2ms);
  for (std::uint16_t id = 1; id <= 2; ++id) {
    ex.run(publish_v("t", Qos::at_least_once, id)).expect(publish5_t(id));
  }
  ex.run(publish_v("t", Qos::at_least_once, 3)).expect_nothing();
  ex.reply(disconnect5_server_shutting_down, 1s).expect_nothing();
  EXPECT_EQ(s.state(), event::ConnectionState::disconnected);
  ex.run(publish_v("t", Qos::at_least_once, 4));  // waits for the next connection
  EXPECT_TRUE(rejected_tags(ex).empty());
  EXPECT_EQ(s.in_flight(), 4u);
  ex.wait(1s).run(do_connect).expect(connect5_wire).reply(connack5_resumed, 2ms);
  ex.expect(publish5_t(1, 0x3A))
      .expect(publish5_t(2, 0x3A))
      .expect(publish5_t(3))
      .expect(publish5_t(4))
      .expect_nothing();
  EXPECT_TRUE(rejected_tags(ex).empty());
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
