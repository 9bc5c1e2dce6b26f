// UNSUBACK in MQTT 5 (5.0 3.11): the packet id, properties, then one reason
// code per topic filter of the UNSUBSCRIBE; 3.1.1 has the packet id alone.
#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using packet::PropertyId;
using packet::ReasonCode;
using test::Bytes;

constexpr auto v5 = packet::Version::v5;
constexpr auto v3_1_1 = packet::Version::v3_1_1;

TEST(Mqtt5Unsuback, EncodesAndDecodesCodesAndAReasonString) {
  const Bytes wire = {
      0xB0,                    // UNSUBACK, flags 0000
      0x0D,                    // remaining length 13
      0x00, 0x0A,              // packet id 10
      0x07,                    // property length 7
      0x1F, 0x00, 0x04,        // Reason String, length 4
      0x67, 0x6F, 0x6E, 0x65,  //   "gone"
      0x00,                    // Success
      0x11,                    // No subscription existed
      0x87,                    // Not authorized
  };
  const packet::Unsuback p{
      10,
      {ReasonCode::success, ReasonCode::no_subscription_existed, ReasonCode::not_authorized},
      {{PropertyId::reason_string, std::string("gone")}},
  };
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Unsuback>(wire, v5), p);
}

TEST(Mqtt5Unsuback, RefusesNoCodeIn5) {
  // 5.0 3.11.3: one reason code per topic filter, so at least one.
  const Bytes wire = {
      0xB0, 0x03,  // UNSUBACK, remaining length 3
      0x00, 0x0A,  // packet id 10
      0x00,        // property length 0, and no code
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::empty_payload);
  EXPECT_EQ(test::encode_error(packet::Unsuback{10}, v5), Errc::empty_payload);
  const Bytes bare = {
      0xB0, 0x02,  // UNSUBACK, remaining length 2: the 3.1.1 form
      0x00, 0x0A,  // packet id 10
  };
  EXPECT_EQ(test::decode_error(bare, {}, v5), Errc::truncated);
}

TEST(Mqtt5Unsuback, RefusesCodesIn311) {
  EXPECT_EQ(test::encode_error(packet::Unsuback{10, {ReasonCode::success}}, v3_1_1),
            Errc::unsupported_in_version);
  EXPECT_EQ(test::encode_error(
                packet::Unsuback{10, {}, {{PropertyId::reason_string, std::string("x")}}}, v3_1_1),
            Errc::unsupported_in_version);
  const Bytes wire = {
      0xB0, 0x02,  // UNSUBACK, remaining length 2
      0x00, 0x0A,  // packet id 10
  };
  EXPECT_EQ(test::encode_ok(packet::Unsuback{10}, v3_1_1), wire);
}

TEST(Mqtt5Unsuback, RefusesACodeUnsubackDoesNotDefine) {
  const Bytes wire = {
      0xB0, 0x04,  // UNSUBACK, remaining length 4
      0x00, 0x0A,  // packet id 10
      0x00,        // property length 0
      0x97,        // Quota exceeded: not an UNSUBACK code
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::invalid_reason_code);
  EXPECT_EQ(test::encode_error(packet::Unsuback{10, {ReasonCode::quota_exceeded}}, v5),
            Errc::invalid_reason_code);
}

TEST(Mqtt5Unsuback, RoundTripsAFullUnsuback) {
  packet::Unsuback p{
      0xFFFF,
      {ReasonCode::success, ReasonCode::unspecified_error,
       ReasonCode::implementation_specific_error, ReasonCode::topic_filter_invalid,
       ReasonCode::packet_identifier_in_use},
      {{PropertyId::reason_string, std::string("done")}},
  };
  p.properties.add_user("k", "v");
  const Bytes wire = test::encode_ok(p, v5);
  EXPECT_EQ(test::decode_ok<packet::Unsuback>(wire, v5), p);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
