// UNSUBACK (3.11): a packet id and nothing else.
#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using test::Bytes;

const Bytes wire = {
    0xB0,        // UNSUBACK, flags 0000
    0x02,        // remaining length 2
    0xBE, 0xEF,  // packet id 0xBEEF
};

TEST(MqttUnsuback, Encodes) {
  EXPECT_EQ(test::encode_ok(packet::Unsuback{0xBEEF}), wire);
}

TEST(MqttUnsuback, Decodes) {
  EXPECT_EQ(test::decode_ok<packet::Unsuback>(wire), packet::Unsuback{0xBEEF});
}

TEST(MqttUnsuback, RejectsBadFixedHeaderFlags) {
  const Bytes bad = {0xB2, 0x02, 0xBE, 0xEF};  // UNSUBACK with flags 0010
  EXPECT_EQ(test::decode_error(bad), Errc::bad_flags);
}

TEST(MqttUnsuback, RejectsPacketIdZero) {
  const Bytes zero = {0xB0, 0x02, 0x00, 0x00};  // packet id 0
  EXPECT_EQ(test::decode_error(zero), Errc::zero_packet_id);
  EXPECT_EQ(test::encode_error(packet::Unsuback{0}), Errc::zero_packet_id);
}

TEST(MqttUnsuback, RejectsPacketIdPastRemainingLength) {
  const Bytes shorter = {0xB0, 0x01, 0xBE};  // remaining length 1: half an id
  EXPECT_EQ(test::decode_error(shorter), Errc::truncated);
}

TEST(MqttUnsuback, RejectsTrailingBytes) {
  const Bytes longer = {0xB0, 0x03, 0xBE, 0xEF, 0x00};  // remaining length 3
  EXPECT_EQ(test::decode_error(longer), Errc::trailing_bytes);
}

TEST(MqttUnsuback, RejectsRemainingLengthPastTheBuffer) {
  const Bytes cut = {0xB0, 0x02, 0xBE};  // remaining length 2, one byte present
  EXPECT_EQ(test::decode_error(cut), Errc::truncated);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
