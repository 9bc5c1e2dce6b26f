// PINGRESP (3.13): a fixed header with remaining length 0.
#include <gtest/gtest.h>

#include "tests/unit/mqtt/mqtt_test_util.hpp"

namespace iotgw::mqtt {
namespace {

using test::bytes;

const bytes wire = {
    0xD0,  // PINGRESP, flags 0000
    0x00,  // remaining length 0
};

TEST(MqttPingresp, Encodes) {
  EXPECT_EQ(test::encode_ok(pingresp{}), wire);
}

TEST(MqttPingresp, Decodes) {
  EXPECT_EQ(test::decode_ok<pingresp>(wire), pingresp{});
}

TEST(MqttPingresp, RejectsBadFixedHeaderFlags) {
  const bytes bad = {0xD8, 0x00};  // PINGRESP with a reserved flag set
  EXPECT_EQ(test::decode_error(bad), errc::bad_flags);
}

TEST(MqttPingresp, RejectsABody) {
  const bytes body = {0xD0, 0x01, 0x00};  // remaining length 1
  EXPECT_EQ(test::decode_error(body), errc::trailing_bytes);
}

TEST(MqttPingresp, RejectsMissingRemainingLength) {
  const bytes cut = {0xD0};  // no remaining length byte
  EXPECT_EQ(test::decode_error(cut), errc::truncated);
}

}  // namespace
}  // namespace iotgw::mqtt
