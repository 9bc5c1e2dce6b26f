// PUBLISH in MQTT 5 (5.0 3.3): properties between the packet id and the
// payload, the Topic Alias that may stand in for an empty topic, and the
// request/response properties.
#include <array>
#include <cstdint>
#include <span>
#include <string>

#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using packet::PropertyId;
using test::Bytes;

constexpr auto v5 = packet::Version::v5;

packet::Publish to_a_b(packet::Qos qos, std::uint16_t packet_id) {
  packet::Publish p;
  p.topic = "a/b";
  p.payload = test::payload_of("hi");
  p.qos = qos;
  p.packet_id = packet_id;
  return p;
}

TEST(Mqtt5Publish, EncodesAndDecodesQos0WithoutProperties) {
  const Bytes wire = {
      0x30,                          // PUBLISH, DUP 0, QoS 0, RETAIN 0
      0x08,                          // remaining length 8
      0x00, 0x03, 0x61, 0x2F, 0x62,  // topic "a/b"
      0x00,                          // property length 0
      0x68, 0x69,                    // payload "hi"
  };
  const auto p = to_a_b(packet::Qos::at_most_once, 0);
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Publish>(wire, v5), p);
}

TEST(Mqtt5Publish, EncodesAndDecodesQos1WithoutProperties) {
  const Bytes wire = {
      0x32,                          // PUBLISH, DUP 0, QoS 1, RETAIN 0
      0x0A,                          // remaining length 10
      0x00, 0x03, 0x61, 0x2F, 0x62,  // topic "a/b"
      0x00, 0x0A,                    // packet id 10
      0x00,                          // property length 0
      0x68, 0x69,                    // payload "hi"
  };
  const auto p = to_a_b(packet::Qos::at_least_once, 10);
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Publish>(wire, v5), p);
}

TEST(Mqtt5Publish, EncodesAndDecodesATopicAliasForAnEmptyTopic) {
  // 5.0 3.3.2.1: a zero-length topic name with a Topic Alias uses the alias.
  const Bytes wire = {
      0x30,              // PUBLISH, QoS 0
      0x08,              // remaining length 8
      0x00, 0x00,        // topic "" (length 0)
      0x03,              // property length 3
      0x23, 0x00, 0x05,  // Topic Alias 5
      0x68, 0x69,        // payload "hi"
  };
  packet::Publish p = to_a_b(packet::Qos::at_most_once, 0);
  p.topic.clear();
  p.properties = {{PropertyId::topic_alias, 5u}};
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Publish>(wire, v5), p);
}

TEST(Mqtt5Publish, EncodesAndDecodesATopicAliasBesideItsTopic) {
  // 5.0 3.3.2.3.4: a topic name with an alias sets up the mapping.
  const Bytes wire = {
      0x30,                          // PUBLISH, QoS 0
      0x0B,                          // remaining length 11
      0x00, 0x03, 0x61, 0x2F, 0x62,  // topic "a/b"
      0x03,                          // property length 3
      0x23, 0x00, 0x05,              // Topic Alias 5
      0x68, 0x69,                    // payload "hi"
  };
  packet::Publish p = to_a_b(packet::Qos::at_most_once, 0);
  p.properties = {{PropertyId::topic_alias, 5u}};
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Publish>(wire, v5), p);
}

TEST(Mqtt5Publish, RefusesAnEmptyTopicWithoutAlias) {
  packet::Publish p = to_a_b(packet::Qos::at_most_once, 0);
  p.topic.clear();
  EXPECT_EQ(test::encode_error(p, v5), Errc::invalid_topic_name);
  p.properties = {{PropertyId::message_expiry_interval, 10u}};
  EXPECT_EQ(test::encode_error(p, v5), Errc::invalid_topic_name);
  const Bytes wire = {
      0x30,        // PUBLISH, QoS 0
      0x05,        // remaining length 5
      0x00, 0x00,  // topic "" (length 0)
      0x00,        // property length 0: no Topic Alias
      0x68, 0x69,  // payload "hi"
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::invalid_topic_name);
}

const Bytes request_wire = {
    0x32,                                // PUBLISH, QoS 1
    0x35,                                // remaining length 53
    0x00, 0x07,                          // topic, length 7
    0x67, 0x77, 0x31, 0x2F,              //   "gw1/
    0x63, 0x6D, 0x64,                    //   cmd"
    0x01, 0x02,                          // packet id 0x0102
    0x27,                                // property length 39
    0x02, 0x00, 0x00, 0x00, 0x78,        // Message Expiry Interval 120 s
    0x01, 0x01,                          // Payload Format Indicator 1 (UTF-8)
    0x03, 0x00, 0x04,                    // Content Type, length 4
    0x6A, 0x73, 0x6F, 0x6E,              //   "json"
    0x08, 0x00, 0x09,                    // Response Topic, length 9
    0x67, 0x77, 0x31, 0x2F, 0x72,        //   "gw1/r
    0x65, 0x70, 0x6C, 0x79,              //   eply"
    0x09, 0x00, 0x03, 0xC0, 0xFF, 0xEE,  // Correlation Data C0 FF EE
    0x26,                                // User Property
    0x00, 0x01, 0x6B,                    //   name "k"
    0x00, 0x01, 0x76,                    //   value "v"
    0x7B, 0x7D,                          // payload "{}"
};

packet::Publish request_packet() {
  packet::Publish p;
  p.topic = "gw1/cmd";
  p.payload = test::payload_of("{}");
  p.qos = packet::Qos::at_least_once;
  p.packet_id = 0x0102;
  p.properties = {
      {PropertyId::message_expiry_interval, 120u},
      {PropertyId::payload_format_indicator, 1u},
      {PropertyId::content_type, std::string("json")},
      {PropertyId::response_topic, std::string("gw1/reply")},
      {PropertyId::correlation_data, Bytes{0xC0, 0xFF, 0xEE}},
  };
  p.properties.add_user("k", "v");
  return p;
}

TEST(Mqtt5Publish, EncodesARequestWithItsProperties) {
  EXPECT_EQ(test::encode_ok(request_packet(), v5), request_wire);
}

TEST(Mqtt5Publish, DecodesARequestWithItsProperties) {
  const auto p = test::decode_ok<packet::Publish>(request_wire, v5);
  EXPECT_EQ(p, request_packet());
  EXPECT_EQ(p.properties.string(PropertyId::response_topic), "gw1/reply");
}

TEST(Mqtt5Publish, EncodesAViewWithProperties) {
  const auto owned = request_packet();
  const packet::PublishView view{"gw1/cmd", owned.payload, packet::Qos::at_least_once, false,
                                 false,     0x0102,        owned.properties.items()};
  std::array<std::uint8_t, 55> buffer{};
  auto written = encode(view, v5, std::span<std::uint8_t>(buffer));
  ASSERT_TRUE(written.has_value()) << written.error().reason;
  EXPECT_EQ(*written, request_wire.size());
  EXPECT_EQ(Bytes(buffer.begin(), buffer.end()), request_wire);
}

TEST(Mqtt5Publish, RefusesPropertiesIn311) {
  EXPECT_EQ(test::encode_error(request_packet(), packet::Version::v3_1_1),
            Errc::unsupported_in_version);
}

TEST(Mqtt5Publish, RefusesAPropertyLengthPastThePacket) {
  const Bytes wire = {
      0x30,                          // PUBLISH, QoS 0
      0x08,                          // remaining length 8
      0x00, 0x03, 0x61, 0x2F, 0x62,  // topic "a/b"
      0x05,                          // property length 5, two bytes left
      0x68, 0x69,                    // payload "hi"
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::truncated);
}

TEST(Mqtt5Publish, RefusesAMissingPropertyLength) {
  const Bytes wire = {
      0x32,                          // PUBLISH, QoS 1
      0x07,                          // remaining length 7
      0x00, 0x03, 0x61, 0x2F, 0x62,  // topic "a/b"
      0x00, 0x0A,                    // packet id 10, then nothing
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::truncated);
}

TEST(Mqtt5Publish, RoundTripsAQos2Delivery) {
  packet::Publish p;
  p.topic = "plant/line-2/temperature";
  p.payload = Bytes(300, 0x5A);
  p.qos = packet::Qos::exactly_once;
  p.dup = true;
  p.retain = true;
  p.packet_id = 0xFFFF;
  p.properties = {
      {PropertyId::subscription_identifier, 268'435'455u},
      {PropertyId::subscription_identifier, 7u},
      {PropertyId::topic_alias, 3u},
      {PropertyId::message_expiry_interval, 0u},
      {PropertyId::payload_format_indicator, 0u},
  };
  p.properties.add_user("unit", "C");
  const Bytes wire = test::encode_ok(p, v5);
  EXPECT_EQ(wire[0], 0x3D);  // PUBLISH, DUP 1, QoS 2, RETAIN 1
  EXPECT_EQ(test::decode_ok<packet::Publish>(wire, v5), p);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
