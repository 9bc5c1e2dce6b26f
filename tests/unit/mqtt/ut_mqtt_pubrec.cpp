// PUBREC (3.5): a packet id and nothing else.
#include <gtest/gtest.h>

#include "tests/unit/mqtt/mqtt_test_util.hpp"

namespace iotgw::mqtt {
namespace {

using test::bytes;

const bytes wire = {
    0x50,        // PUBREC, flags 0000
    0x02,        // remaining length 2
    0xBE, 0xEF,  // packet id 0xBEEF
};

TEST(MqttPubrec, Encodes) {
  EXPECT_EQ(test::encode_ok(pubrec{0xBEEF}), wire);
}

TEST(MqttPubrec, Decodes) {
  EXPECT_EQ(test::decode_ok<pubrec>(wire), pubrec{0xBEEF});
}

TEST(MqttPubrec, RejectsBadFixedHeaderFlags) {
  const bytes bad = {0x51, 0x02, 0xBE, 0xEF};  // PUBREC with flags 0001
  EXPECT_EQ(test::decode_error(bad), errc::bad_flags);
}

TEST(MqttPubrec, RejectsPacketIdZero) {
  const bytes zero = {0x50, 0x02, 0x00, 0x00};  // packet id 0
  EXPECT_EQ(test::decode_error(zero), errc::zero_packet_id);
  EXPECT_EQ(test::encode_error(pubrec{0}), errc::zero_packet_id);
}

TEST(MqttPubrec, RejectsPacketIdPastRemainingLength) {
  const bytes shorter = {0x50, 0x01, 0xBE};  // remaining length 1: half an id
  EXPECT_EQ(test::decode_error(shorter), errc::truncated);
}

TEST(MqttPubrec, RejectsTrailingBytes) {
  const bytes longer = {0x50, 0x03, 0xBE, 0xEF, 0x00};  // remaining length 3
  EXPECT_EQ(test::decode_error(longer), errc::trailing_bytes);
}

TEST(MqttPubrec, RejectsRemainingLengthPastTheBuffer) {
  const bytes cut = {0x50, 0x02, 0xBE};  // remaining length 2, one byte present
  EXPECT_EQ(test::decode_error(cut), errc::truncated);
}

}  // namespace
}  // namespace iotgw::mqtt
