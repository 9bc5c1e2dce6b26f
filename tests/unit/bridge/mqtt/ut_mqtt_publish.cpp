// PUBLISH (3.3): flags, topic rules, packet ids, the caller-buffer encoder
// and DUP patching.
#include <algorithm>
#include <array>

#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using test::Bytes;

const Bytes qos1_wire = {
    0x32,                          // PUBLISH, DUP 0, QoS 1, RETAIN 0
    0x09,                          // remaining length 9
    0x00, 0x03, 0x61, 0x2F, 0x62,  // topic "a/b"
    0x00, 0x0A,                    // packet id 10
    0x68, 0x69,                    // payload "hi"
};

TEST(MqttPublish, EncodesQos1) {
  EXPECT_EQ(test::encode_ok(test::qos1_publish_to_a_b()), qos1_wire);
}

TEST(MqttPublish, DecodesQos1) {
  EXPECT_EQ(test::decode_ok<packet::Publish>(qos1_wire), test::qos1_publish_to_a_b());
}

TEST(MqttPublish, EncodesAndDecodesQos0RetainedEmptyPayload) {
  const Bytes wire = {
      0x31,              // PUBLISH, QoS 0, RETAIN 1
      0x03,              // remaining length 3
      0x00, 0x01, 0x74,  // topic "t"; no packet id at QoS 0, empty payload
  };
  packet::Publish p;
  p.topic = "t";
  p.retain = true;
  EXPECT_EQ(test::encode_ok(p), wire);
  EXPECT_EQ(test::decode_ok<packet::Publish>(wire), p);
}

TEST(MqttPublish, EncodesAndDecodesQos2Dup) {
  const Bytes wire = {
      0x3C,              // PUBLISH, DUP 1, QoS 2, RETAIN 0
      0x07,              // remaining length 7
      0x00, 0x01, 0x78,  // topic "x"
      0x12, 0x34,        // packet id 0x1234
      0x01, 0x02,        // payload
  };
  packet::Publish p;
  p.topic = "x";
  p.payload = {0x01, 0x02};
  p.qos = packet::Qos::exactly_once;
  p.dup = true;
  p.packet_id = 0x1234;
  EXPECT_EQ(test::encode_ok(p), wire);
  EXPECT_EQ(test::decode_ok<packet::Publish>(wire), p);
}

TEST(MqttPublish, UsesTwoByteRemainingLengthAbove127) {
  packet::Publish p;
  p.topic = "x";
  p.payload.assign(200, 0x55);
  const Bytes header = {
      0x30,              // PUBLISH, QoS 0
      0xCB, 0x01,        // remaining length 203 = 0x4B + 1 * 128
      0x00, 0x01, 0x78,  // topic "x"
  };
  // Sized once, the payload after the header (GCC 12 at -O3 misreads growing
  // a vector made from a list as an access out of bounds).
  Bytes expected(header.size() + 200, 0x55);
  std::copy(header.begin(), header.end(), expected.begin());
  EXPECT_EQ(test::encode_ok(p), expected);
  EXPECT_EQ(test::decode_ok<packet::Publish>(expected), p);
}

TEST(MqttPublish, EncodesViewIntoCallerBuffer) {
  const std::string topic = "a/b";
  const Bytes payload = test::payload_of("hi");
  const packet::PublishView view{topic, payload, packet::Qos::at_least_once, false, false, 10};
  std::array<std::uint8_t, 64> buffer{};
  auto written = encode(view, packet::Version::v3_1_1, std::span<std::uint8_t>(buffer));
  ASSERT_TRUE(written.has_value());
  ASSERT_EQ(*written, qos1_wire.size());
  EXPECT_TRUE(std::equal(qos1_wire.begin(), qos1_wire.end(), buffer.begin()));
  EXPECT_EQ(*encoded_size(view, packet::Version::v3_1_1), qos1_wire.size());
}

TEST(MqttPublish, ReportsBufferTooSmall) {
  std::array<std::uint8_t, 10> buffer{};  // one byte short of 11
  buffer.fill(0xEE);
  auto written = encode(test::qos1_publish_to_a_b().view(), packet::Version::v3_1_1,
                        std::span<std::uint8_t>(buffer));
  ASSERT_FALSE(written.has_value());
  EXPECT_EQ(written.error().code, Errc::buffer_too_small);
  for (const auto b : buffer) {
    EXPECT_EQ(b, 0xEE);  // nothing written
  }
}

TEST(MqttPublish, PatchesDupInPlace) {
  Bytes wire = qos1_wire;
  ASSERT_TRUE(packet::set_dup(wire, true));
  EXPECT_EQ(wire[0], 0x3A);  // PUBLISH, DUP 1, QoS 1
  EXPECT_TRUE(test::decode_ok<packet::Publish>(wire).dup);
  ASSERT_TRUE(packet::set_dup(wire, false));
  EXPECT_EQ(wire, qos1_wire);
}

TEST(MqttPublish, RefusesDupPatchOnQos0AndOtherPackets) {
  Bytes qos0 = {0x30, 0x03, 0x00, 0x01, 0x74};  // PUBLISH QoS 0, topic "t"
  EXPECT_FALSE(packet::set_dup(qos0, true));
  EXPECT_EQ(qos0[0], 0x30);
  Bytes puback_wire = {0x40, 0x02, 0x00, 0x01};  // PUBACK id 1
  EXPECT_FALSE(packet::set_dup(puback_wire, true));
  EXPECT_EQ(puback_wire[0], 0x40);
  Bytes empty;
  EXPECT_FALSE(packet::set_dup(empty, true));
}

TEST(MqttPublish, RejectsQos3) {
  Bytes wire = qos1_wire;
  wire[0] = 0x36;  // QoS bits 11
  EXPECT_EQ(test::decode_error(wire), Errc::invalid_qos);
  packet::Publish p = test::qos1_publish_to_a_b();
  p.qos = static_cast<packet::Qos>(3);
  EXPECT_EQ(test::encode_error(p), Errc::invalid_qos);
}

TEST(MqttPublish, RejectsDupOnQos0) {
  const Bytes wire = {0x38, 0x03, 0x00, 0x01, 0x74};  // DUP 1, QoS 0, topic "t"
  EXPECT_EQ(test::decode_error(wire), Errc::bad_flags);
  packet::Publish p;
  p.topic = "t";
  p.dup = true;
  EXPECT_EQ(test::encode_error(p), Errc::bad_flags);
}

TEST(MqttPublish, RejectsWildcardsInTopic) {
  Bytes wire = qos1_wire;
  wire[6] = 0x2B;  // topic "a/+"
  EXPECT_EQ(test::decode_error(wire), Errc::invalid_topic_name);
  wire[6] = 0x23;  // topic "a/#"
  EXPECT_EQ(test::decode_error(wire), Errc::invalid_topic_name);
  packet::Publish p = test::qos1_publish_to_a_b();
  p.topic = "a/#";
  EXPECT_EQ(test::encode_error(p), Errc::invalid_topic_name);
}

TEST(MqttPublish, RejectsEmptyTopic) {
  const Bytes wire = {
      0x32, 0x04,  // PUBLISH QoS 1, remaining length 4
      0x00, 0x00,  // topic ""
      0x00, 0x01,  // packet id 1
  };
  EXPECT_EQ(test::decode_error(wire), Errc::invalid_topic_name);
  packet::Publish p = test::qos1_publish_to_a_b();
  p.topic.clear();
  EXPECT_EQ(test::encode_error(p), Errc::invalid_topic_name);
}

TEST(MqttPublish, RejectsPacketIdZero) {
  Bytes wire = qos1_wire;
  wire[8] = 0x00;  // packet id 0
  EXPECT_EQ(test::decode_error(wire), Errc::zero_packet_id);
  packet::Publish p = test::qos1_publish_to_a_b();
  p.packet_id = 0;
  EXPECT_EQ(test::encode_error(p), Errc::zero_packet_id);
}

TEST(MqttPublish, RejectsTopicPastRemainingLength) {
  const Bytes wire = {
      0x30, 0x03,        // PUBLISH QoS 0, remaining length 3
      0x00, 0x05, 0x74,  // topic length 5, one byte present
  };
  EXPECT_EQ(test::decode_error(wire), Errc::truncated);
}

TEST(MqttPublish, RejectsMissingPacketId) {
  const Bytes wire = {
      0x32, 0x04,              // PUBLISH QoS 1, remaining length 4
      0x00, 0x01, 0x74, 0x00,  // topic "t", half a packet id
  };
  EXPECT_EQ(test::decode_error(wire), Errc::truncated);
}

TEST(MqttPublish, RejectsInvalidUtf8Topics) {
  Bytes wire = qos1_wire;
  wire[5] = 0x00;  // topic "a\0b": U+0000
  EXPECT_EQ(test::decode_error(wire), Errc::invalid_utf8);
  const Bytes surrogate = {
      0x30, 0x05,        // PUBLISH QoS 0, remaining length 5
      0x00, 0x03,        // topic length 3
      0xED, 0xA0, 0x80,  // U+D800, a surrogate
  };
  EXPECT_EQ(test::decode_error(surrogate), Errc::invalid_utf8);
  const Bytes overlong = {
      0x30, 0x04,              // PUBLISH QoS 0, remaining length 4
      0x00, 0x02, 0xC1, 0xBF,  // overlong '\x7F'
  };
  EXPECT_EQ(test::decode_error(overlong), Errc::invalid_utf8);
}

TEST(MqttPublish, RejectsBytesAfterThePacket) {
  Bytes wire = qos1_wire;
  wire.push_back(0xE0);  // a DISCONNECT's first byte
  EXPECT_EQ(test::decode_error(wire), Errc::trailing_bytes);
}

TEST(MqttPublish, RejectsPacketAboveTheConfiguredMaximum) {
  EXPECT_EQ(test::decode_error(qos1_wire, packet::DecodeLimits{10}), Errc::packet_too_large);
  EXPECT_EQ(test::decode_ok<packet::Publish>(qos1_wire),
            test::qos1_publish_to_a_b());  // 11 bytes fit the default
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
