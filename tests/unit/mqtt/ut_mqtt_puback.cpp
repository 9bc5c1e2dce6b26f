// PUBACK (3.4): a packet id and nothing else.
#include <gtest/gtest.h>

#include "tests/unit/mqtt/mqtt_test_util.hpp"

namespace iotgw::mqtt {
namespace {

using test::bytes;

const bytes wire = {
    0x40,        // PUBACK, flags 0000
    0x02,        // remaining length 2
    0xBE, 0xEF,  // packet id 0xBEEF
};

TEST(MqttPuback, Encodes) {
  EXPECT_EQ(test::encode_ok(puback{0xBEEF}), wire);
}

TEST(MqttPuback, Decodes) {
  EXPECT_EQ(test::decode_ok<puback>(wire), puback{0xBEEF});
}

TEST(MqttPuback, RejectsBadFixedHeaderFlags) {
  const bytes bad = {0x42, 0x02, 0xBE, 0xEF};  // PUBACK with flags 0010
  EXPECT_EQ(test::decode_error(bad), errc::bad_flags);
}

TEST(MqttPuback, RejectsPacketIdZero) {
  const bytes zero = {0x40, 0x02, 0x00, 0x00};  // packet id 0
  EXPECT_EQ(test::decode_error(zero), errc::zero_packet_id);
  EXPECT_EQ(test::encode_error(puback{0}), errc::zero_packet_id);
}

TEST(MqttPuback, RejectsPacketIdPastRemainingLength) {
  const bytes shorter = {0x40, 0x01, 0xBE};  // remaining length 1: half an id
  EXPECT_EQ(test::decode_error(shorter), errc::truncated);
}

TEST(MqttPuback, RejectsTrailingBytes) {
  const bytes longer = {0x40, 0x03, 0xBE, 0xEF, 0x00};  // remaining length 3
  EXPECT_EQ(test::decode_error(longer), errc::trailing_bytes);
}

TEST(MqttPuback, RejectsRemainingLengthPastTheBuffer) {
  const bytes cut = {0x40, 0x02, 0xBE};  // remaining length 2, one byte present
  EXPECT_EQ(test::decode_error(cut), errc::truncated);
}

}  // namespace
}  // namespace iotgw::mqtt
