// PUBREL (3.6): a packet id and nothing else.
#include <gtest/gtest.h>

#include "tests/unit/mqtt/mqtt_test_util.hpp"

namespace iotgw::mqtt {
namespace {

using test::bytes;

const bytes wire = {
    0x62,        // PUBREL, flags 0010
    0x02,        // remaining length 2
    0xBE, 0xEF,  // packet id 0xBEEF
};

TEST(MqttPubrel, Encodes) {
  EXPECT_EQ(test::encode_ok(pubrel{0xBEEF}), wire);
}

TEST(MqttPubrel, Decodes) {
  EXPECT_EQ(test::decode_ok<pubrel>(wire), pubrel{0xBEEF});
}

TEST(MqttPubrel, RejectsBadFixedHeaderFlags) {
  const bytes bad = {0x60, 0x02, 0xBE, 0xEF};  // PUBREL with flags 0000
  EXPECT_EQ(test::decode_error(bad), errc::bad_flags);
}

TEST(MqttPubrel, RejectsPacketIdZero) {
  const bytes zero = {0x62, 0x02, 0x00, 0x00};  // packet id 0
  EXPECT_EQ(test::decode_error(zero), errc::zero_packet_id);
  EXPECT_EQ(test::encode_error(pubrel{0}), errc::zero_packet_id);
}

TEST(MqttPubrel, RejectsPacketIdPastRemainingLength) {
  const bytes shorter = {0x62, 0x01, 0xBE};  // remaining length 1: half an id
  EXPECT_EQ(test::decode_error(shorter), errc::truncated);
}

TEST(MqttPubrel, RejectsTrailingBytes) {
  const bytes longer = {0x62, 0x03, 0xBE, 0xEF, 0x00};  // remaining length 3
  EXPECT_EQ(test::decode_error(longer), errc::trailing_bytes);
}

TEST(MqttPubrel, RejectsRemainingLengthPastTheBuffer) {
  const bytes cut = {0x62, 0x02, 0xBE};  // remaining length 2, one byte present
  EXPECT_EQ(test::decode_error(cut), errc::truncated);
}

}  // namespace
}  // namespace iotgw::mqtt
