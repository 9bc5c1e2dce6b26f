// UNSUBSCRIBE (3.10): a packet id and one or more filters.
#include <gtest/gtest.h>

#include "tests/unit/mqtt/mqtt_test_util.hpp"

namespace iotgw::mqtt {
namespace {

using test::bytes;

const bytes wire = {
    0xA2,                          // UNSUBSCRIBE, flags 0010
    0x0A,                          // remaining length 10
    0x00, 0x02,                    // packet id 2
    0x00, 0x03, 0x61, 0x2F, 0x2B,  // filter "a/+"
    0x00, 0x01, 0x63,              // filter "c"
};

TEST(MqttUnsubscribe, Encodes) {
  EXPECT_EQ(test::encode_ok(unsubscribe{2, {"a/+", "c"}}), wire);
}

TEST(MqttUnsubscribe, Decodes) {
  EXPECT_EQ(test::decode_ok<unsubscribe>(wire), (unsubscribe{2, {"a/+", "c"}}));
}

TEST(MqttUnsubscribe, RejectsBadFixedHeaderFlags) {
  bytes bad = wire;
  bad[0] = 0xA0;  // UNSUBSCRIBE with flags 0000
  EXPECT_EQ(test::decode_error(bad), errc::bad_flags);
}

TEST(MqttUnsubscribe, RejectsNoFilter) {
  const bytes none = {0xA2, 0x02, 0x00, 0x02};  // packet id 2 and nothing else
  EXPECT_EQ(test::decode_error(none), errc::empty_payload);
  EXPECT_EQ(test::encode_error(unsubscribe{2, {}}), errc::empty_payload);
}

TEST(MqttUnsubscribe, RejectsPacketIdZero) {
  bytes zero = wire;
  zero[3] = 0x00;  // packet id 0
  EXPECT_EQ(test::decode_error(zero), errc::zero_packet_id);
  EXPECT_EQ(test::encode_error(unsubscribe{0, {"a"}}), errc::zero_packet_id);
}

TEST(MqttUnsubscribe, RejectsBadFilter) {
  bytes bad = wire;
  bad[6] = 0x23;  // first filter "#/+"
  EXPECT_EQ(test::decode_error(bad), errc::invalid_topic_filter);
  EXPECT_EQ(test::encode_error(unsubscribe{2, {"a/b#"}}), errc::invalid_topic_filter);
}

TEST(MqttUnsubscribe, RejectsFilterPastRemainingLength) {
  bytes bad = wire;
  bad[10] = 0x02;  // second filter length 2, one byte left
  EXPECT_EQ(test::decode_error(bad), errc::truncated);
}

TEST(MqttUnsubscribe, RejectsInvalidUtf8Filter) {
  bytes bad = wire;
  bad[11] = 0x80;  // second filter: a lone continuation byte
  EXPECT_EQ(test::decode_error(bad), errc::invalid_utf8);
}

}  // namespace
}  // namespace iotgw::mqtt
