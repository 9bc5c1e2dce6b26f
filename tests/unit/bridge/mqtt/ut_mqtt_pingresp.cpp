// PINGRESP (3.13): a fixed header with remaining length 0.
#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using test::Bytes;

const Bytes wire = {
    0xD0,  // PINGRESP, flags 0000
    0x00,  // remaining length 0
};

TEST(MqttPingresp, Encodes) {
  EXPECT_EQ(test::encode_ok(packet::Pingresp{}), wire);
}

TEST(MqttPingresp, Decodes) {
  EXPECT_EQ(test::decode_ok<packet::Pingresp>(wire), packet::Pingresp{});
}

TEST(MqttPingresp, RejectsBadFixedHeaderFlags) {
  const Bytes bad = {0xD8, 0x00};  // PINGRESP with a reserved flag set
  EXPECT_EQ(test::decode_error(bad), Errc::bad_flags);
}

TEST(MqttPingresp, RejectsABody) {
  const Bytes body = {0xD0, 0x01, 0x00};  // remaining length 1
  EXPECT_EQ(test::decode_error(body), Errc::trailing_bytes);
}

TEST(MqttPingresp, RejectsMissingRemainingLength) {
  const Bytes cut = {0xD0};  // no remaining length byte
  EXPECT_EQ(test::decode_error(cut), Errc::truncated);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
