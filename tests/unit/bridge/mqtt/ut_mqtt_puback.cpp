// PUBACK (3.4): a packet id and nothing else.
#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using test::Bytes;

const Bytes wire = {
    0x40,        // PUBACK, flags 0000
    0x02,        // remaining length 2
    0xBE, 0xEF,  // packet id 0xBEEF
};

TEST(MqttPuback, Encodes) {
  EXPECT_EQ(test::encode_ok(packet::Puback{0xBEEF}), wire);
}

TEST(MqttPuback, Decodes) {
  EXPECT_EQ(test::decode_ok<packet::Puback>(wire), packet::Puback{0xBEEF});
}

TEST(MqttPuback, RejectsBadFixedHeaderFlags) {
  const Bytes bad = {0x42, 0x02, 0xBE, 0xEF};  // PUBACK with flags 0010
  EXPECT_EQ(test::decode_error(bad), Errc::bad_flags);
}

TEST(MqttPuback, RejectsPacketIdZero) {
  const Bytes zero = {0x40, 0x02, 0x00, 0x00};  // packet id 0
  EXPECT_EQ(test::decode_error(zero), Errc::zero_packet_id);
  EXPECT_EQ(test::encode_error(packet::Puback{0}), Errc::zero_packet_id);
}

TEST(MqttPuback, RejectsPacketIdPastRemainingLength) {
  const Bytes shorter = {0x40, 0x01, 0xBE};  // remaining length 1: half an id
  EXPECT_EQ(test::decode_error(shorter), Errc::truncated);
}

TEST(MqttPuback, RejectsTrailingBytes) {
  const Bytes longer = {0x40, 0x03, 0xBE, 0xEF, 0x00};  // remaining length 3
  EXPECT_EQ(test::decode_error(longer), Errc::trailing_bytes);
}

TEST(MqttPuback, RejectsRemainingLengthPastTheBuffer) {
  const Bytes cut = {0x40, 0x02, 0xBE};  // remaining length 2, one byte present
  EXPECT_EQ(test::decode_error(cut), Errc::truncated);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
