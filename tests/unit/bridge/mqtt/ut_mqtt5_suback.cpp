// SUBACK in MQTT 5 (5.0 3.9): the packet id, properties, then one reason code
// per topic filter of the SUBSCRIBE, in order.
#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using packet::PropertyId;
using packet::ReasonCode;
using test::Bytes;

constexpr auto v5 = packet::Version::v5;
constexpr auto v3_1_1 = packet::Version::v3_1_1;

TEST(Mqtt5Suback, EncodesAndDecodesPropertiesAndEveryKindOfCode) {
  const Bytes wire = {
      0x90,                    // SUBACK, flags 0000
      0x14,                    // remaining length 20
      0x00, 0x0A,              // packet id 10
      0x0A,                    // property length 10
      0x1F, 0x00, 0x07,        // Reason String, length 7
      0x70, 0x61, 0x72, 0x74,  //   "part
      0x69, 0x61, 0x6C,        //   ial"
      0x00,                    // Granted QoS 0
      0x01,                    // Granted QoS 1
      0x02,                    // Granted QoS 2
      0x80,                    // Unspecified error
      0x87,                    // Not authorized
      0x97,                    // Quota exceeded
      0xA2,                    // Wildcard Subscriptions not supported
  };
  const packet::Suback p{
      10,
      {ReasonCode::granted_qos0, ReasonCode::granted_qos1, ReasonCode::granted_qos2,
       ReasonCode::unspecified_error, ReasonCode::not_authorized, ReasonCode::quota_exceeded,
       ReasonCode::wildcard_subscriptions_not_supported},
      {{PropertyId::reason_string, std::string("partial")}},
  };
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Suback>(wire, v5), p);
}

TEST(Mqtt5Suback, EncodesAndDecodesWithoutProperties) {
  const Bytes wire = {
      0x90, 0x04,  // SUBACK, remaining length 4
      0x00, 0x0A,  // packet id 10
      0x00,        // property length 0
      0x01,        // Granted QoS 1
  };
  const packet::Suback p{10, {ReasonCode::granted_qos1}};
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Suback>(wire, v5), p);
}

TEST(Mqtt5Suback, RefusesACodeSubackDoesNotDefine) {
  const Bytes wire = {
      0x90, 0x04,  // SUBACK, remaining length 4
      0x00, 0x0A,  // packet id 10
      0x00,        // property length 0
      0x04,        // 0x04: Disconnect with Will Message, DISCONNECT only
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::invalid_reason_code);
  EXPECT_EQ(test::encode_error(packet::Suback{10, {ReasonCode::disconnect_with_will}}, v5),
            Errc::invalid_reason_code);
}

TEST(Mqtt5Suback, RefusesAnMqtt5CodeIn311) {
  // 3.9.3: 3.1.1 has 0x00, 0x01, 0x02 and 0x80 only.
  const Bytes wire = {
      0x90, 0x03,  // SUBACK, remaining length 3
      0x00, 0x0A,  // packet id 10
      0x97,        // Quota exceeded
  };
  EXPECT_EQ(test::decode_error(wire, {}, v3_1_1), Errc::invalid_reason_code);
  EXPECT_EQ(test::encode_error(packet::Suback{10, {ReasonCode::quota_exceeded}}, v3_1_1),
            Errc::invalid_reason_code);
}

TEST(Mqtt5Suback, RefusesNoCode) {
  const Bytes wire = {
      0x90, 0x03,  // SUBACK, remaining length 3
      0x00, 0x0A,  // packet id 10
      0x00,        // property length 0, and no code
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::empty_payload);
}

TEST(Mqtt5Suback, RefusesPropertiesIn311) {
  const packet::Suback p{
      10, {ReasonCode::granted_qos0}, {{PropertyId::reason_string, std::string("x")}}};
  EXPECT_EQ(test::encode_error(p, v3_1_1), Errc::unsupported_in_version);
}

TEST(Mqtt5Suback, RoundTripsAFullSuback) {
  packet::Suback p{
      0xFFFF,
      {ReasonCode::granted_qos2, ReasonCode::topic_filter_invalid,
       ReasonCode::packet_identifier_in_use, ReasonCode::shared_subscriptions_not_supported,
       ReasonCode::subscription_identifiers_not_supported,
       ReasonCode::implementation_specific_error},
      {{PropertyId::reason_string, std::string("mixed")}},
  };
  p.properties.add_user("k", "v");
  const Bytes wire = test::encode_ok(p, v5);
  EXPECT_EQ(test::decode_ok<packet::Suback>(wire, v5), p);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
