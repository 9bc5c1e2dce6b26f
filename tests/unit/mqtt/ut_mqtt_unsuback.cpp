// UNSUBACK (3.11): a packet id and nothing else.
#include <gtest/gtest.h>

#include "tests/unit/mqtt/mqtt_test_util.hpp"

namespace iotgw::mqtt {
namespace {

using test::bytes;

const bytes wire = {
    0xB0,        // UNSUBACK, flags 0000
    0x02,        // remaining length 2
    0xBE, 0xEF,  // packet id 0xBEEF
};

TEST(MqttUnsuback, Encodes) {
  EXPECT_EQ(test::encode_ok(unsuback{0xBEEF}), wire);
}

TEST(MqttUnsuback, Decodes) {
  EXPECT_EQ(test::decode_ok<unsuback>(wire), unsuback{0xBEEF});
}

TEST(MqttUnsuback, RejectsBadFixedHeaderFlags) {
  const bytes bad = {0xB2, 0x02, 0xBE, 0xEF};  // UNSUBACK with flags 0010
  EXPECT_EQ(test::decode_error(bad), errc::bad_flags);
}

TEST(MqttUnsuback, RejectsPacketIdZero) {
  const bytes zero = {0xB0, 0x02, 0x00, 0x00};  // packet id 0
  EXPECT_EQ(test::decode_error(zero), errc::zero_packet_id);
  EXPECT_EQ(test::encode_error(unsuback{0}), errc::zero_packet_id);
}

TEST(MqttUnsuback, RejectsPacketIdPastRemainingLength) {
  const bytes shorter = {0xB0, 0x01, 0xBE};  // remaining length 1: half an id
  EXPECT_EQ(test::decode_error(shorter), errc::truncated);
}

TEST(MqttUnsuback, RejectsTrailingBytes) {
  const bytes longer = {0xB0, 0x03, 0xBE, 0xEF, 0x00};  // remaining length 3
  EXPECT_EQ(test::decode_error(longer), errc::trailing_bytes);
}

TEST(MqttUnsuback, RejectsRemainingLengthPastTheBuffer) {
  const bytes cut = {0xB0, 0x02, 0xBE};  // remaining length 2, one byte present
  EXPECT_EQ(test::decode_error(cut), errc::truncated);
}

}  // namespace
}  // namespace iotgw::mqtt
