// The fixed header in MQTT 5 (5.0 2.1): the remaining length is a variable
// byte integer (5.0 2.1.4), so it must take the fewest bytes (5.0 1.5.5);
// type 15 is AUTH, with flags 0000 (5.0 2.1.3).
#include <algorithm>

#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using test::Bytes;

constexpr auto v5 = packet::Version::v5;

TEST(Mqtt5FixedHeader, RefusesANonMinimalRemainingLength) {
  const Bytes disconnect = {
      0xE0,        // DISCONNECT
      0x80, 0x00,  // remaining length 0 in two bytes
  };
  EXPECT_EQ(test::decode_error(disconnect, {}, v5), Errc::bad_remaining_length);
  const Bytes publish = {
      0x30,              // PUBLISH, QoS 0
      0x84, 0x80, 0x00,  // remaining length 4 in three bytes
      0x00, 0x01, 0x74,  // topic "t"
      0x00,              // property length 0
  };
  EXPECT_EQ(test::decode_error(publish, {}, v5), Errc::bad_remaining_length);
}

TEST(Mqtt5FixedHeader, DecodeBodyRefusesAHeaderReadFromTooManyBytes) {
  // What a stream decoder hands on after parsing E0 80 00.
  const packet::FixedHeader padded{0xE0, 0, 3};
  auto decoded = decode_body(padded, {}, v5);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_EQ(decoded.error().code, Errc::bad_remaining_length);
}

TEST(Mqtt5FixedHeader, ReadsEachRemainingLengthSizeAtItsEdge) {
  // 128 bytes of body: the smallest remaining length that takes two bytes.
  packet::Publish p;
  p.topic = "t";
  p.payload.assign(124, 0x55);
  const Bytes head = {
      0x30,              // PUBLISH, QoS 0
      0x80, 0x01,        // remaining length 128 = 0 + 1 * 128
      0x00, 0x01, 0x74,  // topic "t"
      0x00,              // property length 0, then 124 payload bytes
  };
  Bytes wire(head.size() + 124, 0x55);
  std::copy(head.begin(), head.end(), wire.begin());
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Publish>(wire, v5), p);
}

TEST(Mqtt5FixedHeader, RefusesAuthWithFlags) {
  const Bytes wire = {
      0xF1,  // AUTH with flags 0001
      0x00,  // remaining length 0
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::bad_flags);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
