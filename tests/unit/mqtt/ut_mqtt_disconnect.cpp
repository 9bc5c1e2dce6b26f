// DISCONNECT (3.14): a fixed header with remaining length 0.
#include <gtest/gtest.h>

#include "tests/unit/mqtt/mqtt_test_util.hpp"

namespace iotgw::mqtt {
namespace {

using test::bytes;

const bytes wire = {
    0xE0,  // DISCONNECT, flags 0000
    0x00,  // remaining length 0
};

TEST(MqttDisconnect, Encodes) {
  EXPECT_EQ(test::encode_ok(disconnect{}), wire);
}

TEST(MqttDisconnect, Decodes) {
  EXPECT_EQ(test::decode_ok<disconnect>(wire), disconnect{});
}

TEST(MqttDisconnect, RejectsBadFixedHeaderFlags) {
  const bytes bad = {0xE2, 0x00};  // DISCONNECT with a reserved flag set
  EXPECT_EQ(test::decode_error(bad), errc::bad_flags);
}

TEST(MqttDisconnect, RejectsABody) {
  const bytes body = {0xE0, 0x01, 0x00};  // remaining length 1
  EXPECT_EQ(test::decode_error(body), errc::trailing_bytes);
}

TEST(MqttDisconnect, RejectsMissingRemainingLength) {
  const bytes cut = {0xE0};  // no remaining length byte
  EXPECT_EQ(test::decode_error(cut), errc::truncated);
}

}  // namespace
}  // namespace iotgw::mqtt
