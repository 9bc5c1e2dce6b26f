// PUBCOMP (3.7): a packet id and nothing else.
#include <gtest/gtest.h>

#include "tests/unit/mqtt/mqtt_test_util.hpp"

namespace iotgw::mqtt {
namespace {

using test::bytes;

const bytes wire = {
    0x70,        // PUBCOMP, flags 0000
    0x02,        // remaining length 2
    0xBE, 0xEF,  // packet id 0xBEEF
};

TEST(MqttPubcomp, Encodes) {
  EXPECT_EQ(test::encode_ok(pubcomp{0xBEEF}), wire);
}

TEST(MqttPubcomp, Decodes) {
  EXPECT_EQ(test::decode_ok<pubcomp>(wire), pubcomp{0xBEEF});
}

TEST(MqttPubcomp, RejectsBadFixedHeaderFlags) {
  const bytes bad = {0x78, 0x02, 0xBE, 0xEF};  // PUBCOMP with flags 1000
  EXPECT_EQ(test::decode_error(bad), errc::bad_flags);
}

TEST(MqttPubcomp, RejectsPacketIdZero) {
  const bytes zero = {0x70, 0x02, 0x00, 0x00};  // packet id 0
  EXPECT_EQ(test::decode_error(zero), errc::zero_packet_id);
  EXPECT_EQ(test::encode_error(pubcomp{0}), errc::zero_packet_id);
}

TEST(MqttPubcomp, RejectsPacketIdPastRemainingLength) {
  const bytes shorter = {0x70, 0x01, 0xBE};  // remaining length 1: half an id
  EXPECT_EQ(test::decode_error(shorter), errc::truncated);
}

TEST(MqttPubcomp, RejectsTrailingBytes) {
  const bytes longer = {0x70, 0x03, 0xBE, 0xEF, 0x00};  // remaining length 3
  EXPECT_EQ(test::decode_error(longer), errc::trailing_bytes);
}

TEST(MqttPubcomp, RejectsRemainingLengthPastTheBuffer) {
  const bytes cut = {0x70, 0x02, 0xBE};  // remaining length 2, one byte present
  EXPECT_EQ(test::decode_error(cut), errc::truncated);
}

}  // namespace
}  // namespace iotgw::mqtt
