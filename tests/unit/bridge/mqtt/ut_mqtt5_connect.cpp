// CONNECT at protocol level 5 (5.0 3.1): the properties after the keep
// alive, the will's own properties before the will topic, a password without
// a user name, and the level that must match the version decoded in.
#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using packet::PropertyId;
using test::Bytes;

constexpr auto v5 = packet::Version::v5;
constexpr auto v3_1_1 = packet::Version::v3_1_1;

const Bytes minimal_wire = {
    0x10,                                // CONNECT, flags 0000
    0x10,                                // remaining length 16
    0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
    0x05,                                // protocol level 5
    0x02,                                // connect flags: clean start
    0x00, 0x1E,                          // keep alive 30 s
    0x00,                                // property length 0
    0x00, 0x03, 0x67, 0x77, 0x31,        // client id "gw1"
};

packet::Connect minimal_packet() {
  packet::Connect p;
  p.client_id = "gw1";
  p.keep_alive = 30;
  return p;
}

TEST(Mqtt5Connect, EncodesMinimal) {
  EXPECT_EQ(test::encode_ok(minimal_packet(), v5), minimal_wire);
}

TEST(Mqtt5Connect, DecodesMinimal) {
  EXPECT_EQ(test::decode_ok<packet::Connect>(minimal_wire, v5), minimal_packet());
}

TEST(Mqtt5Connect, EncodesAndDecodesProperties) {
  const Bytes wire = {
      0x10,                                // CONNECT
      0x2A,                                // remaining length 42
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // "MQTT"
      0x05,                                // level 5
      0x00,                                // flags: keep the session
      0x00, 0x1E,                          // keep alive 30 s
      0x1A,                                // property length 26
      0x11, 0x00, 0x00, 0x0E, 0x10,        // Session Expiry Interval 3600 s
      0x21, 0x00, 0x14,                    // Receive Maximum 20
      0x27, 0x00, 0x04, 0x00, 0x00,        // Maximum Packet Size 262144
      0x22, 0x00, 0x0A,                    // Topic Alias Maximum 10
      0x26,                                // User Property
      0x00, 0x04, 0x73, 0x69, 0x74, 0x65,  //   name "site"
      0x00, 0x01, 0x61,                    //   value "a"
      0x00, 0x03, 0x67, 0x77, 0x31,        // client id "gw1"
  };
  packet::Connect p = minimal_packet();
  p.clean_session = false;
  p.properties = {
      {PropertyId::session_expiry_interval, 3600u},
      {PropertyId::receive_maximum, 20u},
      {PropertyId::maximum_packet_size, 262'144u},
      {PropertyId::topic_alias_maximum, 10u},
  };
  p.properties.add_user("site", "a");
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Connect>(wire, v5), p);
}

TEST(Mqtt5Connect, EncodesAndDecodesAWillWithItsProperties) {
  const Bytes wire = {
      0x10,                                // CONNECT
      0x3F,                                // remaining length 63
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // "MQTT"
      0x05,                                // level 5
      0x2E,                                // flags: will retain, will QoS 1, will, clean start
      0x00, 0x3C,                          // keep alive 60 s
      0x00,                                // property length 0
      0x00, 0x03, 0x67, 0x77, 0x31,        // client id "gw1"
      0x19,                                // will property length 25
      0x18, 0x00, 0x00, 0x00, 0x3C,        // Will Delay Interval 60 s
      0x02, 0x00, 0x00, 0x01, 0x2C,        // Message Expiry Interval 300 s
      0x03, 0x00, 0x0A,                    // Content Type, length 10
      0x74, 0x65, 0x78, 0x74, 0x2F,        //   "text/
      0x70, 0x6C, 0x61, 0x69, 0x6E,        //   plain"
      0x01, 0x01,                          // Payload Format Indicator 1 (UTF-8)
      0x00, 0x0A,                          // will topic, length 10
      0x67, 0x77, 0x31, 0x2F, 0x73,        //   "gw1/s
      0x74, 0x61, 0x74, 0x75, 0x73,        //   tatus"
      0x00, 0x07,                          // will payload, length 7
      0x6F, 0x66, 0x66, 0x6C, 0x69, 0x6E,  //   "offlin
      0x65,                                //   e"
  };
  packet::Connect p = minimal_packet();
  p.keep_alive = 60;
  p.will =
      packet::Will{"gw1/status", test::payload_of("offline"), packet::Qos::at_least_once, true};
  p.will->properties = {
      {PropertyId::will_delay_interval, 60u},
      {PropertyId::message_expiry_interval, 300u},
      {PropertyId::content_type, std::string("text/plain")},
      {PropertyId::payload_format_indicator, 1u},
  };
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Connect>(wire, v5), p);
}

TEST(Mqtt5Connect, AllowsAPasswordWithoutAUserName) {
  // 5.0 3.1.2.9 drops the rule of 3.1.2.9 that a password needs a user name.
  const Bytes wire = {
      0x10,                                // CONNECT
      0x14,                                // remaining length 20
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // "MQTT"
      0x05,                                // level 5
      0x42,                                // flags: password, clean start; no user name
      0x00, 0x1E,                          // keep alive 30 s
      0x00,                                // property length 0
      0x00, 0x03, 0x67, 0x77, 0x31,        // client id "gw1"
      0x00, 0x02, 0x70, 0x77,              // password "pw"
  };
  packet::Connect p = minimal_packet();
  p.password = test::payload_of("pw");
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Connect>(wire, v5), p);
  EXPECT_EQ(test::encode_error(p, v3_1_1), Errc::bad_flags);
}

TEST(Mqtt5Connect, RefusesLevel5DecodedAs311) {
  EXPECT_EQ(test::decode_error(minimal_wire, {}, v3_1_1), Errc::invalid_protocol);
}

TEST(Mqtt5Connect, RefusesLevel4DecodedAs5) {
  const Bytes level4 = {
      0x10,                                // CONNECT
      0x0F,                                // remaining length 15
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // "MQTT"
      0x04,                                // level 4
      0x02,                                // clean session
      0x00, 0x1E,                          // keep alive 30 s
      0x00, 0x03, 0x67, 0x77, 0x31,        // client id "gw1"
  };
  EXPECT_EQ(test::decode_error(level4, {}, v5), Errc::invalid_protocol);
}

TEST(Mqtt5Connect, RefusesAWillPropertyAmongTheConnectProperties) {
  packet::Connect p = minimal_packet();
  p.properties = {{PropertyId::will_delay_interval, 60u}};
  EXPECT_EQ(test::encode_error(p, v5), Errc::invalid_property);
  const Bytes wire = {
      0x10,                                // CONNECT
      0x15,                                // remaining length 21
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // "MQTT"
      0x05,                                // level 5
      0x02,                                // clean start
      0x00, 0x1E,                          // keep alive 30 s
      0x05,                                // property length 5
      0x18, 0x00, 0x00, 0x00, 0x3C,        // Will Delay Interval: a will property
      0x00, 0x03, 0x67, 0x77, 0x31,        // client id "gw1"
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::invalid_property);
}

TEST(Mqtt5Connect, RefusesAConnectPropertyAmongTheWillProperties) {
  packet::Connect p = minimal_packet();
  p.will = packet::Will{"t", {}};
  p.will->properties = {{PropertyId::session_expiry_interval, 60u}};
  EXPECT_EQ(test::encode_error(p, v5), Errc::invalid_property);
  const Bytes wire = {
      0x10,                                // CONNECT
      0x1B,                                // remaining length 27
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // "MQTT"
      0x05,                                // level 5
      0x06,                                // flags: will, clean start
      0x00, 0x1E,                          // keep alive 30 s
      0x00,                                // property length 0
      0x00, 0x03, 0x67, 0x77, 0x31,        // client id "gw1"
      0x05,                                // will property length 5
      0x11, 0x00, 0x00, 0x00, 0x3C,        // Session Expiry Interval: not a will property
      0x00, 0x01, 0x74,                    // will topic "t"
      0x00, 0x00,                          // will payload, empty
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::invalid_property);
}

TEST(Mqtt5Connect, RefusesPropertiesIn311) {
  packet::Connect with_properties = minimal_packet();
  with_properties.properties = {{PropertyId::session_expiry_interval, 60u}};
  EXPECT_EQ(test::encode_error(with_properties, v3_1_1), Errc::unsupported_in_version);
  packet::Connect with_will_properties = minimal_packet();
  with_will_properties.will = packet::Will{"t", {}};
  with_will_properties.will->properties = {{PropertyId::will_delay_interval, 60u}};
  EXPECT_EQ(test::encode_error(with_will_properties, v3_1_1), Errc::unsupported_in_version);
}

TEST(Mqtt5Connect, RefusesAPropertyLengthPastTheClientId) {
  Bytes wire = minimal_wire;
  wire[13] = 0x06;  // property length 6: the client id read as properties, one byte short
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::truncated);
}

TEST(Mqtt5Connect, RoundTripsAFullConnect) {
  packet::Connect p;
  p.client_id = "gw-7";
  p.clean_session = false;
  p.keep_alive = 120;
  p.username = "user";
  p.password = Bytes{0x00, 0x01, 0xFF};
  p.properties = {
      {PropertyId::session_expiry_interval, 0xFFFF'FFFFu},
      {PropertyId::receive_maximum, 65'535u},
      {PropertyId::maximum_packet_size, 1'048'576u},
      {PropertyId::topic_alias_maximum, 0u},
      {PropertyId::request_response_information, 1u},
      {PropertyId::request_problem_information, 0u},
      {PropertyId::authentication_method, std::string("SCRAM-SHA-256")},
      {PropertyId::authentication_data, Bytes{0x6E, 0x2C, 0x2C}},
  };
  p.properties.add_user("fw", "1.2.3");
  p.properties.add_user("fw", "again");
  p.will = packet::Will{"gw-7/state", test::payload_of("gone"), packet::Qos::exactly_once, false};
  p.will->properties = {
      {PropertyId::response_topic, std::string("gw-7/reply")},
      {PropertyId::correlation_data, Bytes{0x01, 0x02}},
      {PropertyId::will_delay_interval, 5u},
  };
  p.will->properties.add_user("k", "v");
  const Bytes wire = test::encode_ok(p, v5);
  EXPECT_EQ(test::decode_ok<packet::Connect>(wire, v5), p);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
