// UNSUBSCRIBE in MQTT 5 (5.0 3.10): the packet id, properties (User Property
// only), then the topic filters.
#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using packet::PropertyId;
using test::Bytes;

constexpr auto v5 = packet::Version::v5;

TEST(Mqtt5Unsubscribe, EncodesAndDecodesAUserProperty) {
  const Bytes wire = {
      0xA2,                          // UNSUBSCRIBE, flags 0010
      0x19,                          // remaining length 25
      0x00, 0x0A,                    // packet id 10
      0x0C,                          // property length 12
      0x26,                          // User Property
      0x00, 0x03, 0x77, 0x68, 0x79,  //   name "why"
      0x00, 0x04,                    //   value, length 4
      0x69, 0x64, 0x6C, 0x65,        //     "idle"
      0x00, 0x03, 0x61, 0x2F, 0x62,  // topic filter "a/b"
      0x00, 0x03, 0x63, 0x2F, 0x23,  // topic filter "c/#"
  };
  packet::Unsubscribe p{10, {"a/b", "c/#"}};
  p.properties.add_user("why", "idle");
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Unsubscribe>(wire, v5), p);
}

TEST(Mqtt5Unsubscribe, EncodesAndDecodesWithoutProperties) {
  const Bytes wire = {
      0xA2,              // UNSUBSCRIBE, flags 0010
      0x06,              // remaining length 6
      0x00, 0x01,        // packet id 1
      0x00,              // property length 0
      0x00, 0x01, 0x74,  // topic filter "t"
  };
  const packet::Unsubscribe p{1, {"t"}};
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Unsubscribe>(wire, v5), p);
}

TEST(Mqtt5Unsubscribe, RefusesAPropertyOtherThanUserProperty) {
  packet::Unsubscribe p{1, {"t"}, {{PropertyId::reason_string, std::string("r")}}};
  EXPECT_EQ(test::encode_error(p, v5), Errc::invalid_property);
  const Bytes wire = {
      0xA2,                    // UNSUBSCRIBE, flags 0010
      0x0A,                    // remaining length 10
      0x00, 0x01,              // packet id 1
      0x04,                    // property length 4
      0x1F, 0x00, 0x01, 0x72,  // Reason String "r": not an UNSUBSCRIBE property
      0x00, 0x01, 0x74,        // topic filter "t"
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::invalid_property);
}

TEST(Mqtt5Unsubscribe, RefusesNoTopicFilter) {
  const Bytes wire = {
      0xA2,        // UNSUBSCRIBE, flags 0010
      0x03,        // remaining length 3
      0x00, 0x01,  // packet id 1
      0x00,        // property length 0, and no filter
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::empty_payload);
}

TEST(Mqtt5Unsubscribe, RefusesPropertiesIn311) {
  packet::Unsubscribe p{1, {"t"}};
  p.properties.add_user("k", "v");
  EXPECT_EQ(test::encode_error(p, packet::Version::v3_1_1), Errc::unsupported_in_version);
}

TEST(Mqtt5Unsubscribe, RoundTripsManyFilters) {
  packet::Unsubscribe p{0x1234, {"plant/+/temperature", "$share/g/jobs", "#"}};
  p.properties.add_user("a", "1");
  p.properties.add_user("b", "");
  const Bytes wire = test::encode_ok(p, v5);
  EXPECT_EQ(test::decode_ok<packet::Unsubscribe>(wire, v5), p);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
