// DISCONNECT in MQTT 5 (5.0 3.14): a reason code and properties, both left out
// for a normal disconnection (remaining length 0), the properties left out
// when the remaining length is 1 (5.0 3.14.2.2.1).
#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using packet::PropertyId;
using packet::ReasonCode;
using test::Bytes;

constexpr auto v5 = packet::Version::v5;
constexpr auto v3_1_1 = packet::Version::v3_1_1;

TEST(Mqtt5Disconnect, RemainingLength0IsANormalDisconnection) {
  const Bytes wire = {
      0xE0,  // DISCONNECT, flags 0000
      0x00,  // remaining length 0
  };
  EXPECT_EQ(test::encode_ok(packet::Disconnect{}, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Disconnect>(wire, v5),
            packet::Disconnect{ReasonCode::normal_disconnection});
}

TEST(Mqtt5Disconnect, RemainingLength1IsAReasonCodeAlone) {
  const Bytes with_will = {
      0xE0,  // DISCONNECT
      0x01,  // remaining length 1
      0x04,  // reason code: Disconnect with Will Message
  };
  EXPECT_EQ(test::encode_ok(packet::Disconnect{ReasonCode::disconnect_with_will}, v5), with_will);
  EXPECT_EQ(test::decode_ok<packet::Disconnect>(with_will, v5),
            packet::Disconnect{ReasonCode::disconnect_with_will});
  const Bytes taken_over = {
      0xE0,  // DISCONNECT
      0x01,  // remaining length 1
      0x8E,  // reason code: Session taken over
  };
  EXPECT_EQ(test::encode_ok(packet::Disconnect{ReasonCode::session_taken_over}, v5), taken_over);
  EXPECT_EQ(test::decode_ok<packet::Disconnect>(taken_over, v5),
            packet::Disconnect{ReasonCode::session_taken_over});
}

TEST(Mqtt5Disconnect, RemainingLength2WithNoPropertiesDecodesAlike) {
  const Bytes wire = {
      0xE0,  // DISCONNECT
      0x02,  // remaining length 2
      0x8E,  // reason code: Session taken over
      0x00,  // property length 0
  };
  EXPECT_EQ(test::decode_ok<packet::Disconnect>(wire, v5),
            packet::Disconnect{ReasonCode::session_taken_over});
}

TEST(Mqtt5Disconnect, EncodesAndDecodesTheClientsSessionExpiryAndReason) {
  const Bytes wire = {
      0xE0,                          // DISCONNECT
      0x0D,                          // remaining length 13
      0x04,                          // reason code: Disconnect with Will Message
      0x0B,                          // property length 11
      0x11, 0x00, 0x00, 0x0E, 0x10,  // Session Expiry Interval 3600 s
      0x1F, 0x00, 0x03,              // Reason String, length 3
      0x62, 0x79, 0x65,              //   "bye"
  };
  const packet::Disconnect p{ReasonCode::disconnect_with_will,
                             {
                                 {PropertyId::session_expiry_interval, 3600u},
                                 {PropertyId::reason_string, std::string("bye")},
                             }};
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Disconnect>(wire, v5), p);
}

TEST(Mqtt5Disconnect, EncodesAndDecodesTheServersReference) {
  const Bytes wire = {
      0xE0,                          // DISCONNECT
      0x18,                          // remaining length 24
      0x9C,                          // reason code: Use another server
      0x16,                          // property length 22
      0x1C, 0x00, 0x0A,              // Server Reference, length 10
      0x62, 0x32, 0x2E, 0x65, 0x78,  //   "b2.ex
      0x61, 0x6D, 0x70, 0x6C, 0x65,  //   ample"
      0x1F, 0x00, 0x06,              // Reason String, length 6
      0x6D, 0x6F, 0x76, 0x69,        //   "movi
      0x6E, 0x67,                    //   ng"
  };
  const packet::Disconnect p{ReasonCode::use_another_server,
                             {
                                 {PropertyId::server_reference, std::string("b2.example")},
                                 {PropertyId::reason_string, std::string("moving")},
                             }};
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Disconnect>(wire, v5), p);
}

TEST(Mqtt5Disconnect, NormalDisconnectionWithPropertiesWritesTheReasonCode) {
  const Bytes wire = {
      0xE0,                          // DISCONNECT
      0x07,                          // remaining length 7
      0x00,                          // reason code: Normal disconnection
      0x05,                          // property length 5
      0x11, 0x00, 0x00, 0x00, 0x00,  // Session Expiry Interval 0
  };
  const packet::Disconnect p{ReasonCode::normal_disconnection,
                             {{PropertyId::session_expiry_interval, 0u}}};
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Disconnect>(wire, v5), p);
}

TEST(Mqtt5Disconnect, RefusesAByteIn311) {
  const Bytes wire = {
      0xE0,  // DISCONNECT
      0x01,  // remaining length 1
      0x00,  // a reason code 3.1.1 does not have
  };
  EXPECT_EQ(test::decode_error(wire, {}, v3_1_1), Errc::trailing_bytes);
  EXPECT_EQ(test::encode_error(packet::Disconnect{ReasonCode::disconnect_with_will}, v3_1_1),
            Errc::unsupported_in_version);
  EXPECT_EQ(test::encode_ok(packet::Disconnect{}, v3_1_1), (Bytes{0xE0, 0x00}));
}

TEST(Mqtt5Disconnect, RefusesACodeDisconnectDoesNotDefine) {
  const Bytes wire = {
      0xE0,  // DISCONNECT
      0x01,  // remaining length 1
      0x11,  // No subscription existed: UNSUBACK only
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::invalid_reason_code);
  EXPECT_EQ(test::encode_error(packet::Disconnect{ReasonCode::no_subscription_existed}, v5),
            Errc::invalid_reason_code);
}

TEST(Mqtt5Disconnect, RefusesAPropertyOfAnotherPacket) {
  const Bytes wire = {
      0xE0,              // DISCONNECT
      0x05,              // remaining length 5
      0x00,              // Normal disconnection
      0x03,              // property length 3
      0x21, 0x00, 0x0A,  // Receive Maximum 10: CONNECT and CONNACK only
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::invalid_property);
  EXPECT_EQ(test::encode_error(packet::Disconnect{ReasonCode::normal_disconnection,
                                                  {{PropertyId::receive_maximum, 10u}}},
                               v5),
            Errc::invalid_property);
}

TEST(Mqtt5Disconnect, RefusesAPropertyLengthPastThePacket) {
  const Bytes wire = {
      0xE0,  // DISCONNECT
      0x02,  // remaining length 2
      0x8E,  // Session taken over
      0x05,  // property length 5, nothing follows
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::truncated);
}

TEST(Mqtt5Disconnect, RoundTripsAFullDisconnect) {
  packet::Disconnect p{ReasonCode::server_moved,
                       {
                           {PropertyId::reason_string, std::string("maintenance")},
                           {PropertyId::server_reference, std::string("b3.example:8883")},
                       }};
  p.properties.add_user("until", "06:00");
  const Bytes wire = test::encode_ok(p, v5);
  EXPECT_EQ(test::decode_ok<packet::Disconnect>(wire, v5), p);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
