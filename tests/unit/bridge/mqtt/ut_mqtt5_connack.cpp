// CONNACK in MQTT 5 (5.0 3.2): acknowledge flags, a reason code of table 2-6
// and properties, whose length is always present.
#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using packet::PropertyId;
using packet::ReasonCode;
using test::Bytes;

constexpr auto v5 = packet::Version::v5;

TEST(Mqtt5Connack, EncodesAndDecodesSuccessWithoutProperties) {
  const Bytes wire = {
      0x20,  // CONNACK, flags 0000
      0x03,  // remaining length 3
      0x00,  // acknowledge flags: no session present
      0x00,  // reason code: Success
      0x00,  // property length 0
  };
  const packet::Connack p{false, ReasonCode::success};
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Connack>(wire, v5), p);
}

TEST(Mqtt5Connack, EncodesAndDecodesWhatTheServerGrants) {
  const Bytes wire = {
      0x20,                          // CONNACK
      0x1F,                          // remaining length 31
      0x01,                          // acknowledge flags: session present
      0x00,                          // reason code: Success
      0x1C,                          // property length 28
      0x21, 0x00, 0x0A,              // Receive Maximum 10
      0x27, 0x00, 0x10, 0x00, 0x00,  // Maximum Packet Size 1048576
      0x22, 0x00, 0x05,              // Topic Alias Maximum 5
      0x13, 0x00, 0x3C,              // Server Keep Alive 60 s
      0x12, 0x00, 0x06,              // Assigned Client Identifier, length 6
      0x61, 0x75, 0x74, 0x6F,        //   "auto
      0x2D, 0x31,                    //   -1"
      0x1F, 0x00, 0x02, 0x6F, 0x6B,  // Reason String "ok"
  };
  const packet::Connack p{true,
                          ReasonCode::success,
                          {
                              {PropertyId::receive_maximum, 10u},
                              {PropertyId::maximum_packet_size, 1'048'576u},
                              {PropertyId::topic_alias_maximum, 5u},
                              {PropertyId::server_keep_alive, 60u},
                              {PropertyId::assigned_client_identifier, std::string("auto-1")},
                              {PropertyId::reason_string, std::string("ok")},
                          }};
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Connack>(wire, v5), p);
}

TEST(Mqtt5Connack, EncodesAndDecodesUnsupportedProtocolVersion) {
  const Bytes wire = {
      0x20, 0x03,  // CONNACK, remaining length 3
      0x00,        // no session present
      0x84,        // reason code: Unsupported Protocol Version
      0x00,        // property length 0
  };
  const packet::Connack p{false, ReasonCode::unsupported_protocol_version};
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Connack>(wire, v5), p);
}

TEST(Mqtt5Connack, EncodesAndDecodesNotAuthorizedWithAReason) {
  const Bytes wire = {
      0x20, 0x0C,                          // CONNACK, remaining length 12
      0x00,                                // no session present
      0x87,                                // reason code: Not authorized
      0x09,                                // property length 9
      0x1F, 0x00, 0x06,                    // Reason String, length 6
      0x64, 0x65, 0x6E, 0x69, 0x65, 0x64,  //   "denied"
  };
  const packet::Connack p{
      false, ReasonCode::not_authorized, {{PropertyId::reason_string, std::string("denied")}}};
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Connack>(wire, v5), p);
}

TEST(Mqtt5Connack, RefusesSessionPresentWithAFailure) {
  // 5.0 3.2.2.1.1: a non-zero reason code comes with Session Present 0.
  EXPECT_EQ(test::encode_error(packet::Connack{true, ReasonCode::not_authorized}, v5),
            Errc::bad_flags);
  const Bytes wire = {
      0x20, 0x03,  // CONNACK, remaining length 3
      0x01,        // session present
      0x87,        // reason code: Not authorized
      0x00,        // property length 0
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::bad_flags);
}

TEST(Mqtt5Connack, RefusesA311ReturnCodeReadAs5) {
  const Bytes wire = {
      0x20, 0x03,  // CONNACK, remaining length 3
      0x00,        // no session present
      0x01,        // 3.1.1 return code 1; in MQTT 5 0x01 is a SUBACK code only
      0x00,        // property length 0
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::invalid_reason_code);
  EXPECT_EQ(test::encode_error(packet::Connack{false, ReasonCode::granted_qos1}, v5),
            Errc::invalid_reason_code);
}

TEST(Mqtt5Connack, RefusesAMissingPropertyLength) {
  // 5.0 3.2.2.3.1: unlike PUBACK or DISCONNECT, CONNACK always has it.
  const Bytes wire = {
      0x20, 0x02,  // CONNACK, remaining length 2
      0x00,        // no session present
      0x00,        // reason code: Success
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::truncated);
}

TEST(Mqtt5Connack, RefusesReservedAcknowledgeFlags) {
  const Bytes wire = {
      0x20, 0x03,  // CONNACK, remaining length 3
      0x02,        // acknowledge flags: reserved bit 1
      0x00,        // Success
      0x00,        // property length 0
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::bad_flags);
}

TEST(Mqtt5Connack, RefusesPropertiesIn311) {
  const packet::Connack p{false, ReasonCode::success, {{PropertyId::receive_maximum, 10u}}};
  EXPECT_EQ(test::encode_error(p, packet::Version::v3_1_1), Errc::unsupported_in_version);
}

TEST(Mqtt5Connack, RoundTripsEveryConnackProperty) {
  packet::Connack p{true,
                    ReasonCode::success,
                    {
                        {PropertyId::session_expiry_interval, 86'400u},
                        {PropertyId::receive_maximum, 100u},
                        {PropertyId::maximum_qos, 1u},
                        {PropertyId::retain_available, 0u},
                        {PropertyId::maximum_packet_size, 65'536u},
                        {PropertyId::assigned_client_identifier, std::string("auto-2")},
                        {PropertyId::topic_alias_maximum, 16u},
                        {PropertyId::reason_string, std::string("welcome")},
                        {PropertyId::wildcard_subscription_available, 1u},
                        {PropertyId::subscription_identifier_available, 0u},
                        {PropertyId::shared_subscription_available, 1u},
                        {PropertyId::server_keep_alive, 30u},
                        {PropertyId::response_information, std::string("replies/")},
                        {PropertyId::server_reference, std::string("b2.example")},
                        {PropertyId::authentication_method, std::string("m")},
                        {PropertyId::authentication_data, Bytes{0x42}},
                    }};
  p.properties.add_user("region", "eu");
  const Bytes wire = test::encode_ok(p, v5);
  EXPECT_EQ(test::decode_ok<packet::Connack>(wire, v5), p);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
