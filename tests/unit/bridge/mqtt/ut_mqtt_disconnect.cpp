// DISCONNECT (3.14): a fixed header with remaining length 0.
#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using test::Bytes;

const Bytes wire = {
    0xE0,  // DISCONNECT, flags 0000
    0x00,  // remaining length 0
};

TEST(MqttDisconnect, Encodes) {
  EXPECT_EQ(test::encode_ok(packet::Disconnect{}), wire);
}

TEST(MqttDisconnect, Decodes) {
  EXPECT_EQ(test::decode_ok<packet::Disconnect>(wire), packet::Disconnect{});
}

TEST(MqttDisconnect, RejectsBadFixedHeaderFlags) {
  const Bytes bad = {0xE2, 0x00};  // DISCONNECT with a reserved flag set
  EXPECT_EQ(test::decode_error(bad), Errc::bad_flags);
}

TEST(MqttDisconnect, RejectsABody) {
  const Bytes body = {0xE0, 0x01, 0x00};  // remaining length 1
  EXPECT_EQ(test::decode_error(body), Errc::trailing_bytes);
}

TEST(MqttDisconnect, RejectsMissingRemainingLength) {
  const Bytes cut = {0xE0};  // no remaining length byte
  EXPECT_EQ(test::decode_error(cut), Errc::truncated);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
