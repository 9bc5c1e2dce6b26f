// SUBSCRIBE (3.8): filter/QoS pairs and their validation.
#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using test::Bytes;

const Bytes wire = {
    0x82,                                // SUBSCRIBE, flags 0010
    0x0E,                                // remaining length 14
    0x00, 0x01,                          // packet id 1
    0x00, 0x03, 0x61, 0x2F, 0x2B, 0x01,  // filter "a/+", QoS 1
    0x00, 0x03, 0x62, 0x2F, 0x23, 0x02,  // filter "b/#", QoS 2
};

packet::Subscribe packet() {
  return packet::Subscribe{
      1, {{"a/+", packet::Qos::at_least_once}, {"b/#", packet::Qos::exactly_once}}};
}

TEST(MqttSubscribe, Encodes) {
  EXPECT_EQ(test::encode_ok(packet()), wire);
}

TEST(MqttSubscribe, Decodes) {
  EXPECT_EQ(test::decode_ok<packet::Subscribe>(wire), packet());
}

TEST(MqttSubscribe, RejectsBadFixedHeaderFlags) {
  Bytes bad = wire;
  bad[0] = 0x80;  // SUBSCRIBE with flags 0000
  EXPECT_EQ(test::decode_error(bad), Errc::bad_flags);
}

TEST(MqttSubscribe, RejectsNoFilter) {
  const Bytes none = {0x82, 0x02, 0x00, 0x01};  // packet id 1 and nothing else
  EXPECT_EQ(test::decode_error(none), Errc::empty_payload);
  EXPECT_EQ(test::encode_error(packet::Subscribe{1, {}}), Errc::empty_payload);
}

TEST(MqttSubscribe, RejectsPacketIdZero) {
  Bytes zero = wire;
  zero[3] = 0x00;  // packet id 0
  EXPECT_EQ(test::decode_error(zero), Errc::zero_packet_id);
  packet::Subscribe p = packet();
  p.packet_id = 0;
  EXPECT_EQ(test::encode_error(p), Errc::zero_packet_id);
}

TEST(MqttSubscribe, RejectsBadFilters) {
  Bytes bad = wire;
  bad[7] = 0x23;  // first filter "a#+": '#' inside a level
  EXPECT_EQ(test::decode_error(bad), Errc::invalid_topic_filter);
  bad = wire;
  bad[6] = 0x23;  // first filter "#/+": '#' not last
  EXPECT_EQ(test::decode_error(bad), Errc::invalid_topic_filter);
  for (const char* filter : {"a/b+", "+a", "a/#/b", "a#", ""}) {
    EXPECT_EQ(test::encode_error(packet::Subscribe{1, {{filter, packet::Qos::at_most_once}}}),
              Errc::invalid_topic_filter)
        << filter;
  }
}

TEST(MqttSubscribe, RejectsRequestedQos3) {
  Bytes bad = wire;
  bad[9] = 0x03;  // first requested QoS 3
  EXPECT_EQ(test::decode_error(bad), Errc::invalid_qos);
  EXPECT_EQ(test::encode_error(packet::Subscribe{1, {{"a", static_cast<packet::Qos>(3)}}}),
            Errc::invalid_qos);
}

TEST(MqttSubscribe, RejectsReservedRequestedQosBits) {
  Bytes bad = wire;
  bad[9] = 0x41;  // QoS 1 with reserved bit 6 set
  EXPECT_EQ(test::decode_error(bad), Errc::bad_flags);
}

TEST(MqttSubscribe, RejectsFilterPastRemainingLength) {
  const Bytes cut = {
      0x82, 0x05,        // SUBSCRIBE, remaining length 5
      0x00, 0x01,        // packet id 1
      0x00, 0x03, 0x61,  // filter length 3, one byte present
  };
  EXPECT_EQ(test::decode_error(cut), Errc::truncated);
}

TEST(MqttSubscribe, RejectsMissingRequestedQos) {
  const Bytes cut = {
      0x82, 0x05,        // SUBSCRIBE, remaining length 5
      0x00, 0x01,        // packet id 1
      0x00, 0x01, 0x61,  // filter "a", then no QoS byte
  };
  EXPECT_EQ(test::decode_error(cut), Errc::truncated);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
