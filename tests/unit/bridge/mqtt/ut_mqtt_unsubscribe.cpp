// UNSUBSCRIBE (3.10): a packet id and one or more filters.
#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using test::Bytes;

const Bytes wire = {
    0xA2,                          // UNSUBSCRIBE, flags 0010
    0x0A,                          // remaining length 10
    0x00, 0x02,                    // packet id 2
    0x00, 0x03, 0x61, 0x2F, 0x2B,  // filter "a/+"
    0x00, 0x01, 0x63,              // filter "c"
};

TEST(MqttUnsubscribe, Encodes) {
  EXPECT_EQ(test::encode_ok(packet::Unsubscribe{2, {"a/+", "c"}}), wire);
}

TEST(MqttUnsubscribe, Decodes) {
  EXPECT_EQ(test::decode_ok<packet::Unsubscribe>(wire), (packet::Unsubscribe{2, {"a/+", "c"}}));
}

TEST(MqttUnsubscribe, RejectsBadFixedHeaderFlags) {
  Bytes bad = wire;
  bad[0] = 0xA0;  // UNSUBSCRIBE with flags 0000
  EXPECT_EQ(test::decode_error(bad), Errc::bad_flags);
}

TEST(MqttUnsubscribe, RejectsNoFilter) {
  const Bytes none = {0xA2, 0x02, 0x00, 0x02};  // packet id 2 and nothing else
  EXPECT_EQ(test::decode_error(none), Errc::empty_payload);
  EXPECT_EQ(test::encode_error(packet::Unsubscribe{2, {}}), Errc::empty_payload);
}

TEST(MqttUnsubscribe, RejectsPacketIdZero) {
  Bytes zero = wire;
  zero[3] = 0x00;  // packet id 0
  EXPECT_EQ(test::decode_error(zero), Errc::zero_packet_id);
  EXPECT_EQ(test::encode_error(packet::Unsubscribe{0, {"a"}}), Errc::zero_packet_id);
}

TEST(MqttUnsubscribe, RejectsBadFilter) {
  Bytes bad = wire;
  bad[6] = 0x23;  // first filter "#/+"
  EXPECT_EQ(test::decode_error(bad), Errc::invalid_topic_filter);
  EXPECT_EQ(test::encode_error(packet::Unsubscribe{2, {"a/b#"}}), Errc::invalid_topic_filter);
}

TEST(MqttUnsubscribe, RejectsFilterPastRemainingLength) {
  Bytes bad = wire;
  bad[10] = 0x02;  // second filter length 2, one byte left
  EXPECT_EQ(test::decode_error(bad), Errc::truncated);
}

TEST(MqttUnsubscribe, RejectsInvalidUtf8Filter) {
  Bytes bad = wire;
  bad[11] = 0x80;  // second filter: a lone continuation byte
  EXPECT_EQ(test::decode_error(bad), Errc::invalid_utf8);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
