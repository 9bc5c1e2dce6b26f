// PINGREQ (3.12): a fixed header with remaining length 0.
#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using test::Bytes;

const Bytes wire = {
    0xC0,  // PINGREQ, flags 0000
    0x00,  // remaining length 0
};

TEST(MqttPingreq, Encodes) {
  EXPECT_EQ(test::encode_ok(packet::Pingreq{}), wire);
}

TEST(MqttPingreq, Decodes) {
  EXPECT_EQ(test::decode_ok<packet::Pingreq>(wire), packet::Pingreq{});
}

TEST(MqttPingreq, RejectsBadFixedHeaderFlags) {
  const Bytes bad = {0xC1, 0x00};  // PINGREQ with a reserved flag set
  EXPECT_EQ(test::decode_error(bad), Errc::bad_flags);
}

TEST(MqttPingreq, RejectsABody) {
  const Bytes body = {0xC0, 0x01, 0x00};  // remaining length 1
  EXPECT_EQ(test::decode_error(body), Errc::trailing_bytes);
}

TEST(MqttPingreq, RejectsMissingRemainingLength) {
  const Bytes cut = {0xC0};  // no remaining length byte
  EXPECT_EQ(test::decode_error(cut), Errc::truncated);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
