// PINGREQ (3.12): a fixed header with remaining length 0.
#include <gtest/gtest.h>

#include "tests/unit/mqtt/mqtt_test_util.hpp"

namespace iotgw::mqtt {
namespace {

using test::bytes;

const bytes wire = {
    0xC0,  // PINGREQ, flags 0000
    0x00,  // remaining length 0
};

TEST(MqttPingreq, Encodes) {
  EXPECT_EQ(test::encode_ok(pingreq{}), wire);
}

TEST(MqttPingreq, Decodes) {
  EXPECT_EQ(test::decode_ok<pingreq>(wire), pingreq{});
}

TEST(MqttPingreq, RejectsBadFixedHeaderFlags) {
  const bytes bad = {0xC1, 0x00};  // PINGREQ with a reserved flag set
  EXPECT_EQ(test::decode_error(bad), errc::bad_flags);
}

TEST(MqttPingreq, RejectsABody) {
  const bytes body = {0xC0, 0x01, 0x00};  // remaining length 1
  EXPECT_EQ(test::decode_error(body), errc::trailing_bytes);
}

TEST(MqttPingreq, RejectsMissingRemainingLength) {
  const bytes cut = {0xC0};  // no remaining length byte
  EXPECT_EQ(test::decode_error(cut), errc::truncated);
}

}  // namespace
}  // namespace iotgw::mqtt
