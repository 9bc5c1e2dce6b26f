// PUBREL (3.6): a packet id and nothing else.
#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using test::Bytes;

const Bytes wire = {
    0x62,        // PUBREL, flags 0010
    0x02,        // remaining length 2
    0xBE, 0xEF,  // packet id 0xBEEF
};

TEST(MqttPubrel, Encodes) {
  EXPECT_EQ(test::encode_ok(packet::Pubrel{0xBEEF}), wire);
}

TEST(MqttPubrel, Decodes) {
  EXPECT_EQ(test::decode_ok<packet::Pubrel>(wire), packet::Pubrel{0xBEEF});
}

TEST(MqttPubrel, RejectsBadFixedHeaderFlags) {
  const Bytes bad = {0x60, 0x02, 0xBE, 0xEF};  // PUBREL with flags 0000
  EXPECT_EQ(test::decode_error(bad), Errc::bad_flags);
}

TEST(MqttPubrel, RejectsPacketIdZero) {
  const Bytes zero = {0x62, 0x02, 0x00, 0x00};  // packet id 0
  EXPECT_EQ(test::decode_error(zero), Errc::zero_packet_id);
  EXPECT_EQ(test::encode_error(packet::Pubrel{0}), Errc::zero_packet_id);
}

TEST(MqttPubrel, RejectsPacketIdPastRemainingLength) {
  const Bytes shorter = {0x62, 0x01, 0xBE};  // remaining length 1: half an id
  EXPECT_EQ(test::decode_error(shorter), Errc::truncated);
}

TEST(MqttPubrel, RejectsTrailingBytes) {
  const Bytes longer = {0x62, 0x03, 0xBE, 0xEF, 0x00};  // remaining length 3
  EXPECT_EQ(test::decode_error(longer), Errc::trailing_bytes);
}

TEST(MqttPubrel, RejectsRemainingLengthPastTheBuffer) {
  const Bytes cut = {0x62, 0x02, 0xBE};  // remaining length 2, one byte present
  EXPECT_EQ(test::decode_error(cut), Errc::truncated);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
