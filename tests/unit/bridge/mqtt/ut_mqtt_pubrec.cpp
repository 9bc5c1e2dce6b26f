// PUBREC (3.5): a packet id and nothing else.
#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using test::Bytes;

const Bytes wire = {
    0x50,        // PUBREC, flags 0000
    0x02,        // remaining length 2
    0xBE, 0xEF,  // packet id 0xBEEF
};

TEST(MqttPubrec, Encodes) {
  EXPECT_EQ(test::encode_ok(packet::Pubrec{0xBEEF}), wire);
}

TEST(MqttPubrec, Decodes) {
  EXPECT_EQ(test::decode_ok<packet::Pubrec>(wire), packet::Pubrec{0xBEEF});
}

TEST(MqttPubrec, RejectsBadFixedHeaderFlags) {
  const Bytes bad = {0x51, 0x02, 0xBE, 0xEF};  // PUBREC with flags 0001
  EXPECT_EQ(test::decode_error(bad), Errc::bad_flags);
}

TEST(MqttPubrec, RejectsPacketIdZero) {
  const Bytes zero = {0x50, 0x02, 0x00, 0x00};  // packet id 0
  EXPECT_EQ(test::decode_error(zero), Errc::zero_packet_id);
  EXPECT_EQ(test::encode_error(packet::Pubrec{0}), Errc::zero_packet_id);
}

TEST(MqttPubrec, RejectsPacketIdPastRemainingLength) {
  const Bytes shorter = {0x50, 0x01, 0xBE};  // remaining length 1: half an id
  EXPECT_EQ(test::decode_error(shorter), Errc::truncated);
}

TEST(MqttPubrec, RejectsTrailingBytes) {
  const Bytes longer = {0x50, 0x03, 0xBE, 0xEF, 0x00};  // remaining length 3
  EXPECT_EQ(test::decode_error(longer), Errc::trailing_bytes);
}

TEST(MqttPubrec, RejectsRemainingLengthPastTheBuffer) {
  const Bytes cut = {0x50, 0x02, 0xBE};  // remaining length 2, one byte present
  EXPECT_EQ(test::decode_error(cut), Errc::truncated);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
