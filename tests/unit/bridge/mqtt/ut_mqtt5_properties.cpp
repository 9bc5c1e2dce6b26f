// MQTT 5 properties (5.0 2.2.2): every wire type byte-exact (5.0 1.5), the
// property length, and the rules of place, repetition and range. A QoS 0
// PUBLISH to "t" carries them unless a rule needs another packet.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using packet::Properties;
using packet::Property;
using packet::PropertyId;
using test::Bytes;

constexpr auto v5 = packet::Version::v5;

// A QoS 0 PUBLISH to "t" without payload: its properties are all it carries.
packet::Publish publish_to_t(Properties properties) {
  packet::Publish p;
  p.topic = "t";
  p.properties = std::move(properties);
  return p;
}

// A packet of first byte `type` whose body is `head`, then `properties`
// (property length and properties, as the test writes them), then `tail`.
// The remaining length is their sum, below 128 in these tests. Sized once,
// then filled.
Bytes frame(std::uint8_t type, const Bytes& head, const Bytes& properties, const Bytes& tail = {}) {
  const std::size_t remaining = head.size() + properties.size() + tail.size();
  Bytes wire(2 + remaining);
  wire[0] = type;
  wire[1] = static_cast<std::uint8_t>(remaining);
  auto at = std::copy(head.begin(), head.end(), wire.begin() + 2);
  at = std::copy(properties.begin(), properties.end(), at);
  std::copy(tail.begin(), tail.end(), at);
  return wire;
}

// publish_to_t() on the wire.
Bytes publish_to_t_wire(const Bytes& properties) {
  const Bytes topic = {0x00, 0x01, 0x74};  // topic "t"
  return frame(0x30, topic, properties);   // PUBLISH, QoS 0
}

// A v5 CONNACK accepting the connection, carrying `properties`.
Bytes connack_wire(const Bytes& properties) {
  const Bytes head = {
      0x00,  // acknowledge flags: no session present
      0x00,  // reason code: Success
  };
  return frame(0x20, head, properties);  // CONNACK
}

// A v5 CONNECT of client "c", keep alive off, carrying `properties`.
Bytes connect_wire(const Bytes& properties) {
  const Bytes head = {
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
      0x05,                                // protocol level 5
      0x02,                                // connect flags: clean start
      0x00, 0x00,                          // keep alive off
  };
  const Bytes client_id = {0x00, 0x01, 0x63};       // client id "c"
  return frame(0x10, head, properties, client_id);  // CONNECT
}

packet::Connack connack_with(Properties properties) {
  return packet::Connack{false, packet::ReasonCode::success, std::move(properties)};
}

packet::Connect connect_with(Properties properties) {
  packet::Connect p;
  p.client_id = "c";
  p.properties = std::move(properties);
  return p;
}

// Encodes `p` in MQTT 5, expects `wire`, and decodes `wire` back to `p`.
template <class P>
void expect_both_ways(const P& p, const Bytes& wire) {
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<P>(wire, v5), p);
}

Errc decode_error_v5(const Bytes& wire) {
  return test::decode_error(wire, {}, v5);
}

TEST(Mqtt5Properties, EmptySetIsAPropertyLengthOfZero) {
  const Bytes wire = {
      0x30,              // PUBLISH, QoS 0
      0x04,              // remaining length 4
      0x00, 0x01, 0x74,  // topic "t"
      0x00,              // property length 0
  };
  expect_both_ways(publish_to_t({}), wire);
}

TEST(Mqtt5Properties, ByteValue) {
  const Bytes wire = {
      0x30,              // PUBLISH, QoS 0
      0x06,              // remaining length 6
      0x00, 0x01, 0x74,  // topic "t"
      0x02,              // property length 2
      0x01, 0x01,        // Payload Format Indicator: 1 (UTF-8)
  };
  expect_both_ways(publish_to_t({{PropertyId::payload_format_indicator, 1u}}), wire);
}

TEST(Mqtt5Properties, TwoByteIntegerValue) {
  const Bytes wire = {
      0x30,              // PUBLISH, QoS 0
      0x07,              // remaining length 7
      0x00, 0x01, 0x74,  // topic "t"
      0x03,              // property length 3
      0x23, 0x12, 0x34,  // Topic Alias: 0x1234, most significant byte first
  };
  expect_both_ways(publish_to_t({{PropertyId::topic_alias, 0x1234u}}), wire);
}

TEST(Mqtt5Properties, FourByteIntegerValue) {
  const Bytes wire = {
      0x30,                          // PUBLISH, QoS 0
      0x09,                          // remaining length 9
      0x00, 0x01, 0x74,              // topic "t"
      0x05,                          // property length 5
      0x02, 0x01, 0x02, 0x03, 0x04,  // Message Expiry Interval: 0x01020304
  };
  expect_both_ways(publish_to_t({{PropertyId::message_expiry_interval, 0x01020304u}}), wire);
}

TEST(Mqtt5Properties, VariableByteIntegerValueInEachOfItsFourSizes) {
  struct Row {
    std::uint32_t value;
    Bytes encoded;  // 5.0 1.5.5 table 1-1: seven bits a byte, least significant first
  };
  const Row rows[] = {
      {1, {0x01}},
      {127, {0x7F}},
      {128, {0x80, 0x01}},
      {16'383, {0xFF, 0x7F}},
      {16'384, {0x80, 0x80, 0x01}},
      {2'097'151, {0xFF, 0xFF, 0x7F}},
      {2'097'152, {0x80, 0x80, 0x80, 0x01}},
      {268'435'455, {0xFF, 0xFF, 0xFF, 0x7F}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.value);
    Bytes properties(2 + row.encoded.size());
    properties[0] = static_cast<std::uint8_t>(1 + row.encoded.size());  // property length
    properties[1] = 0x0B;                                               // Subscription Identifier
    std::copy(row.encoded.begin(), row.encoded.end(), properties.begin() + 2);
    expect_both_ways(publish_to_t({{PropertyId::subscription_identifier, row.value}}),
                     publish_to_t_wire(properties));
  }
}

TEST(Mqtt5Properties, Utf8StringValue) {
  const Bytes wire = {
      0x30,                    // PUBLISH, QoS 0
      0x0B,                    // remaining length 11
      0x00, 0x01, 0x74,        // topic "t"
      0x07,                    // property length 7
      0x03,                    // Content Type
      0x00, 0x04,              //   length 4
      0x6A, 0x73, 0x6F, 0x6E,  //   "json"
  };
  expect_both_ways(publish_to_t({{PropertyId::content_type, std::string("json")}}), wire);
}

TEST(Mqtt5Properties, BinaryValue) {
  const Bytes wire = {
      0x30,              // PUBLISH, QoS 0
      0x09,              // remaining length 9
      0x00, 0x01, 0x74,  // topic "t"
      0x05,              // property length 5
      0x09,              // Correlation Data
      0x00, 0x02,        //   length 2
      0x00, 0xFF,        //   bytes 00 FF
  };
  expect_both_ways(
      publish_to_t({{PropertyId::correlation_data, std::vector<std::uint8_t>{0x00, 0xFF}}}), wire);
}

TEST(Mqtt5Properties, Utf8StringPairValue) {
  const Bytes wire = {
      0x30,              // PUBLISH, QoS 0
      0x0B,              // remaining length 11
      0x00, 0x01, 0x74,  // topic "t"
      0x07,              // property length 7
      0x26,              // User Property
      0x00, 0x01, 0x6B,  //   name "k"
      0x00, 0x01, 0x76,  //   value "v"
  };
  Properties properties;
  properties.add_user("k", "v");
  expect_both_ways(publish_to_t(properties), wire);
}

TEST(Mqtt5Properties, PropertyLengthIsAVariableByteInteger) {
  // A Content Type of 200 bytes: 203 bytes of properties, a two-byte length.
  const std::string content_type(200, 'x');
  const Bytes head = {
      0x30,              // PUBLISH, QoS 0
      0xD0, 0x01,        // remaining length 208 = 0x50 + 1 * 128
      0x00, 0x01, 0x74,  // topic "t"
      0xCB, 0x01,        // property length 203 = 0x4B + 1 * 128
      0x03,              // Content Type
      0x00, 0xC8,        //   length 200, then 200 times 'x'
  };
  Bytes wire(head.size() + content_type.size(), 'x');
  std::copy(head.begin(), head.end(), wire.begin());
  expect_both_ways(publish_to_t({{PropertyId::content_type, content_type}}), wire);
}

TEST(Mqtt5Properties, RefusesAPropertyOutsideItsPackets) {
  // Session Expiry Interval belongs to CONNECT, CONNACK and DISCONNECT.
  EXPECT_EQ(test::encode_error(publish_to_t({{PropertyId::session_expiry_interval, 60u}}), v5),
            Errc::invalid_property);
  EXPECT_EQ(decode_error_v5(publish_to_t_wire({
                0x05,                          // property length 5
                0x11, 0x00, 0x00, 0x00, 0x3C,  // Session Expiry Interval 60
            })),
            Errc::invalid_property);
  // Topic Alias belongs to PUBLISH only.
  EXPECT_EQ(test::encode_error(connack_with({{PropertyId::topic_alias, 1u}}), v5),
            Errc::invalid_property);
  EXPECT_EQ(decode_error_v5(connack_wire({
                0x03,              // property length 3
                0x23, 0x00, 0x01,  // Topic Alias 1
            })),
            Errc::invalid_property);
  // Assigned Client Identifier is the server's, in CONNACK only.
  EXPECT_EQ(test::encode_error(
                connect_with({{PropertyId::assigned_client_identifier, std::string("c")}}), v5),
            Errc::invalid_property);
  EXPECT_EQ(decode_error_v5(connect_wire({
                0x05,                          // property length 5
                0x12, 0x00, 0x02, 0x63, 0x63,  // Assigned Client Identifier "cc"
            })),
            Errc::invalid_property);
}

TEST(Mqtt5Properties, RefusesAnUnknownIdentifier) {
  EXPECT_EQ(test::encode_error(publish_to_t({{static_cast<PropertyId>(0x7F), 1u}}), v5),
            Errc::invalid_property);
  EXPECT_EQ(decode_error_v5(publish_to_t_wire({
                0x02,        // property length 2
                0x7F, 0x01,  // identifier 0x7F, not in table 2-4
            })),
            Errc::invalid_property);
  EXPECT_EQ(decode_error_v5(publish_to_t_wire({
                0x02,        // property length 2
                0x00, 0x01,  // identifier 0x00, not in table 2-4
            })),
            Errc::invalid_property);
  // 0x04 sits between Content Type (0x03) and Response Topic (0x08), unassigned.
  EXPECT_EQ(decode_error_v5(publish_to_t_wire({
                0x02,        // property length 2
                0x04, 0x01,  // identifier 0x04
            })),
            Errc::invalid_property);
}

TEST(Mqtt5Properties, RefusesAValueOfTheWrongType) {
  EXPECT_EQ(test::encode_error(publish_to_t({{PropertyId::content_type, 1u}}), v5),
            Errc::invalid_property);
  EXPECT_EQ(test::encode_error(
                publish_to_t({{PropertyId::message_expiry_interval, std::string("1")}}), v5),
            Errc::invalid_property);
}

TEST(Mqtt5Properties, RefusesAPropertyTwice) {
  const Properties twice = {
      {PropertyId::payload_format_indicator, 0u},
      {PropertyId::payload_format_indicator, 1u},
  };
  EXPECT_EQ(test::encode_error(publish_to_t(twice), v5), Errc::duplicate_property);
  EXPECT_EQ(decode_error_v5(publish_to_t_wire({
                0x04,        // property length 4
                0x01, 0x00,  // Payload Format Indicator 0
                0x01, 0x01,  // Payload Format Indicator 1
            })),
            Errc::duplicate_property);
  // Not only when adjacent.
  EXPECT_EQ(decode_error_v5(publish_to_t_wire({
                0x08,              // property length 8
                0x23, 0x00, 0x01,  // Topic Alias 1
                0x01, 0x00,        // Payload Format Indicator 0
                0x23, 0x00, 0x02,  // Topic Alias 2
            })),
            Errc::duplicate_property);
}

TEST(Mqtt5Properties, KeepsRepeatedUserPropertiesInOrder) {
  const Bytes wire = {
      0x30,              // PUBLISH, QoS 0
      0x19,              // remaining length 25
      0x00, 0x01, 0x74,  // topic "t"
      0x15,              // property length 21
      0x26,              // User Property
      0x00, 0x01, 0x62,  //   name "b"
      0x00, 0x01, 0x32,  //   value "2"
      0x26,              // User Property
      0x00, 0x01, 0x61,  //   name "a"
      0x00, 0x01, 0x31,  //   value "1"
      0x26,              // User Property: the same name again
      0x00, 0x01, 0x62,  //   name "b"
      0x00, 0x01, 0x33,  //   value "3"
  };
  Properties properties;
  properties.add_user("b", "2");
  properties.add_user("a", "1");
  properties.add_user("b", "3");
  expect_both_ways(publish_to_t(properties), wire);
  const auto decoded = test::decode_ok<packet::Publish>(wire, v5);
  const std::vector<packet::UserProperty> in_order = {{"b", "2"}, {"a", "1"}, {"b", "3"}};
  EXPECT_EQ(decoded.properties.user_properties(), in_order);
}

TEST(Mqtt5Properties, AllowsSubscriptionIdentifierRepeatedInPublish) {
  // 5.0 3.3.2.3.8: one per matching subscription.
  const Bytes wire = {
      0x30,              // PUBLISH, QoS 0
      0x09,              // remaining length 9
      0x00, 0x01, 0x74,  // topic "t"
      0x05,              // property length 5
      0x0B, 0x01,        // Subscription Identifier 1
      0x0B, 0x80, 0x01,  // Subscription Identifier 128
  };
  expect_both_ways(publish_to_t({
                       {PropertyId::subscription_identifier, 1u},
                       {PropertyId::subscription_identifier, 128u},
                   }),
                   wire);
}

TEST(Mqtt5Properties, RefusesSubscriptionIdentifierRepeatedInSubscribe) {
  // 5.0 3.8.2.1.2: a SUBSCRIBE carries at most one.
  packet::Subscribe p;
  p.packet_id = 1;
  p.subscriptions = {{"t"}};
  p.properties = {
      {PropertyId::subscription_identifier, 1u},
      {PropertyId::subscription_identifier, 2u},
  };
  EXPECT_EQ(test::encode_error(p, v5), Errc::duplicate_property);
  const Bytes wire = {
      0x82,              // SUBSCRIBE, flags 0010
      0x0B,              // remaining length 11
      0x00, 0x01,        // packet id 1
      0x04,              // property length 4
      0x0B, 0x01,        // Subscription Identifier 1
      0x0B, 0x02,        // Subscription Identifier 2
      0x00, 0x01, 0x74,  // topic filter "t"
      0x00,              // options: QoS 0
  };
  EXPECT_EQ(decode_error_v5(wire), Errc::duplicate_property);
}

TEST(Mqtt5Properties, RefusesValuesOutOfRangeInPublish) {
  struct Row {
    const char* what;
    Property property;
    Bytes wire;  // property length and property
  };
  const Row rows[] = {
      // 5.0 3.3.2.3.2: 0 (unspecified bytes) or 1 (UTF-8).
      {"Payload Format Indicator 2",
       {PropertyId::payload_format_indicator, 2u},
       {0x02, 0x01, 0x02}},
      // 5.0 3.3.2.3.4: a Topic Alias of 0 is a Protocol Error.
      {"Topic Alias 0", {PropertyId::topic_alias, 0u}, {0x03, 0x23, 0x00, 0x00}},
      // 5.0 3.3.2.3.8: 1 to 268,435,455.
      {"Subscription Identifier 0", {PropertyId::subscription_identifier, 0u}, {0x02, 0x0B, 0x00}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.what);
    EXPECT_EQ(test::encode_error(publish_to_t({row.property}), v5), Errc::invalid_property);
    EXPECT_EQ(decode_error_v5(publish_to_t_wire(row.wire)), Errc::invalid_property);
  }
  EXPECT_EQ(
      test::encode_error(publish_to_t({{PropertyId::subscription_identifier, 268'435'456u}}), v5),
      Errc::invalid_property);
  EXPECT_EQ(test::encode_error(publish_to_t({{PropertyId::topic_alias, 65'536u}}), v5),
            Errc::invalid_property);
}

TEST(Mqtt5Properties, RefusesValuesOutOfRangeInConnack) {
  struct Row {
    const char* what;
    Property property;
    Bytes wire;  // property length and property
  };
  const Row rows[] = {
      // 5.0 3.2.2.3.3: a Receive Maximum of 0 is a Protocol Error.
      {"Receive Maximum 0", {PropertyId::receive_maximum, 0u}, {0x03, 0x21, 0x00, 0x00}},
      // 5.0 3.2.2.3.6: a Maximum Packet Size of 0 is a Protocol Error.
      {"Maximum Packet Size 0",
       {PropertyId::maximum_packet_size, 0u},
       {0x05, 0x27, 0x00, 0x00, 0x00, 0x00}},
      // 5.0 3.2.2.3.4: Maximum QoS is 0 or 1.
      {"Maximum QoS 2", {PropertyId::maximum_qos, 2u}, {0x02, 0x24, 0x02}},
      // 5.0 3.2.2.3.5, 3.2.2.3.11-13: the availability flags are 0 or 1.
      {"Retain Available 2", {PropertyId::retain_available, 2u}, {0x02, 0x25, 0x02}},
      {"Wildcard Subscription Available 2",
       {PropertyId::wildcard_subscription_available, 2u},
       {0x02, 0x28, 0x02}},
      {"Subscription Identifier Available 2",
       {PropertyId::subscription_identifier_available, 2u},
       {0x02, 0x29, 0x02}},
      {"Shared Subscription Available 2",
       {PropertyId::shared_subscription_available, 2u},
       {0x02, 0x2A, 0x02}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.what);
    EXPECT_EQ(test::encode_error(connack_with({row.property}), v5), Errc::invalid_property);
    EXPECT_EQ(decode_error_v5(connack_wire(row.wire)), Errc::invalid_property);
  }
}

TEST(Mqtt5Properties, RefusesValuesOutOfRangeInConnect) {
  struct Row {
    const char* what;
    Property property;
    Bytes wire;  // property length and property
  };
  const Row rows[] = {
      // 5.0 3.1.2.11.3: a Receive Maximum of 0 is a Protocol Error.
      {"Receive Maximum 0", {PropertyId::receive_maximum, 0u}, {0x03, 0x21, 0x00, 0x00}},
      // 5.0 3.1.2.11.4: a Maximum Packet Size of 0 is a Protocol Error.
      {"Maximum Packet Size 0",
       {PropertyId::maximum_packet_size, 0u},
       {0x05, 0x27, 0x00, 0x00, 0x00, 0x00}},
      // 5.0 3.1.2.11.6, 3.1.2.11.7: 0 or 1.
      {"Request Response Information 2",
       {PropertyId::request_response_information, 2u},
       {0x02, 0x19, 0x02}},
      {"Request Problem Information 2",
       {PropertyId::request_problem_information, 2u},
       {0x02, 0x17, 0x02}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.what);
    EXPECT_EQ(test::encode_error(connect_with({row.property}), v5), Errc::invalid_property);
    EXPECT_EQ(decode_error_v5(connect_wire(row.wire)), Errc::invalid_property);
  }
}

TEST(Mqtt5Properties, AcceptsTheEdgesOfEachRange) {
  expect_both_ways(connack_with({
                       {PropertyId::receive_maximum, 1u},
                       {PropertyId::maximum_packet_size, 1u},
                       {PropertyId::maximum_qos, 0u},
                       {PropertyId::retain_available, 1u},
                       {PropertyId::topic_alias_maximum, 0u},
                   }),
                   connack_wire({
                       0x0F,                          // property length 15
                       0x21, 0x00, 0x01,              // Receive Maximum 1
                       0x27, 0x00, 0x00, 0x00, 0x01,  // Maximum Packet Size 1
                       0x24, 0x00,                    // Maximum QoS 0
                       0x25, 0x01,                    // Retain Available 1
                       0x22, 0x00, 0x00,              // Topic Alias Maximum 0
                   }));
  expect_both_ways(publish_to_t({
                       {PropertyId::topic_alias, 65'535u},
                       {PropertyId::message_expiry_interval, 0xFFFF'FFFFu},
                   }),
                   publish_to_t_wire({
                       0x08,                          // property length 8
                       0x23, 0xFF, 0xFF,              // Topic Alias 65535
                       0x02, 0xFF, 0xFF, 0xFF, 0xFF,  // Message Expiry Interval 2^32 - 1
                   }));
}

TEST(Mqtt5Properties, RefusesANonMinimalVariableByteInteger) {
  // 5.0 1.5.5: the encoded value MUST use the minimum number of bytes.
  EXPECT_EQ(decode_error_v5(publish_to_t_wire({
                0x03,              // property length 3
                0x0B, 0x80, 0x00,  // Subscription Identifier 0 in two bytes
            })),
            Errc::bad_remaining_length);
  EXPECT_EQ(decode_error_v5(publish_to_t_wire({
                0x04,                    // property length 4
                0x0B, 0x81, 0x80, 0x00,  // Subscription Identifier 1 in three bytes
            })),
            Errc::bad_remaining_length);
  EXPECT_EQ(decode_error_v5(publish_to_t_wire({
                0x80, 0x00,  // property length 0 in two bytes
            })),
            Errc::bad_remaining_length);
}

TEST(Mqtt5Properties, RefusesAFiveByteVariableByteInteger) {
  // 5.0 1.5.5: at most four bytes.
  EXPECT_EQ(decode_error_v5(publish_to_t_wire({
                0x06,                                // property length 6
                0x0B, 0xFF, 0xFF, 0xFF, 0xFF, 0x01,  // Subscription Identifier, five bytes
            })),
            Errc::bad_remaining_length);
  EXPECT_EQ(decode_error_v5(publish_to_t_wire({
                0x80, 0x80, 0x80, 0x80, 0x00,  // property length, five bytes
            })),
            Errc::bad_remaining_length);
}

TEST(Mqtt5Properties, RefusesInvalidUtf8InAStringProperty) {
  const std::string overlong_nul("\xC0\x80", 2);
  EXPECT_EQ(test::encode_error(publish_to_t({{PropertyId::content_type, overlong_nul}}), v5),
            Errc::invalid_utf8);
  EXPECT_EQ(decode_error_v5(publish_to_t_wire({
                0x05,              // property length 5
                0x03, 0x00, 0x02,  // Content Type, length 2
                0xC0, 0x80,        //   overlong U+0000
            })),
            Errc::invalid_utf8);
  EXPECT_EQ(decode_error_v5(publish_to_t_wire({
                0x04,              // property length 4
                0x03, 0x00, 0x01,  // Content Type, length 1
                0x00,              //   U+0000 (5.0 1.5.4)
            })),
            Errc::invalid_utf8);
}

TEST(Mqtt5Properties, RefusesInvalidUtf8InAUserProperty) {
  const std::string surrogate("\xED\xA0\x80", 3);  // U+D800
  Properties bad_name;
  bad_name.add_user(surrogate, "v");
  EXPECT_EQ(test::encode_error(publish_to_t(bad_name), v5), Errc::invalid_utf8);
  Properties bad_value;
  bad_value.add_user("k", surrogate);
  EXPECT_EQ(test::encode_error(publish_to_t(bad_value), v5), Errc::invalid_utf8);
  EXPECT_EQ(decode_error_v5(publish_to_t_wire({
                0x09,              // property length 9
                0x26,              // User Property
                0x00, 0x03,        //   name length 3
                0xED, 0xA0, 0x80,  //   name U+D800
                0x00, 0x01, 0x76,  //   value "v"
            })),
            Errc::invalid_utf8);
  EXPECT_EQ(decode_error_v5(publish_to_t_wire({
                0x09,              // property length 9
                0x26,              // User Property
                0x00, 0x01, 0x6B,  //   name "k"
                0x00, 0x03,        //   value length 3
                0xED, 0xA0, 0x80,  //   value U+D800
            })),
            Errc::invalid_utf8);
}

TEST(Mqtt5Properties, RefusesAResponseTopicWithAWildcard) {
  // 5.0 3.3.2.3.5: a Response Topic is a topic name.
  EXPECT_EQ(
      test::encode_error(publish_to_t({{PropertyId::response_topic, std::string("r/+")}}), v5),
      Errc::invalid_topic_name);
  EXPECT_EQ(decode_error_v5(publish_to_t_wire({
                0x06,              // property length 6
                0x08, 0x00, 0x03,  // Response Topic, length 3
                0x72, 0x2F, 0x23,  //   "r/#"
            })),
            Errc::invalid_topic_name);
}

TEST(Mqtt5Properties, RefusesAuthenticationDataWithoutAMethod) {
  // 5.0 3.1.2.11.10: Authentication Data only with an Authentication Method.
  const std::vector<std::uint8_t> data = {0x01};
  EXPECT_EQ(test::encode_error(connect_with({{PropertyId::authentication_data, data}}), v5),
            Errc::invalid_property);
  EXPECT_EQ(decode_error_v5(connect_wire({
                0x04,              // property length 4
                0x16, 0x00, 0x01,  // Authentication Data, length 1
                0x01,              //   byte 01
            })),
            Errc::invalid_property);
  expect_both_ways(connect_with({
                       {PropertyId::authentication_method, std::string("m")},
                       {PropertyId::authentication_data, data},
                   }),
                   connect_wire({
                       0x08,                    // property length 8
                       0x15, 0x00, 0x01, 0x6D,  // Authentication Method "m"
                       0x16, 0x00, 0x01, 0x01,  // Authentication Data 01
                   }));
}

TEST(Mqtt5Properties, RefusesAPropertyLengthPastThePacket) {
  EXPECT_EQ(decode_error_v5(publish_to_t_wire({
                0x05,        // property length 5, but only two bytes follow
                0x01, 0x01,  // Payload Format Indicator 1
            })),
            Errc::truncated);
}

TEST(Mqtt5Properties, RefusesAValuePastThePropertyLength) {
  // The QoS 0 payload follows the properties: the value runs into it.
  EXPECT_EQ(decode_error_v5(publish_to_t_wire({
                0x03,              // property length 3
                0x02, 0x00, 0x00,  // Message Expiry Interval, two of its four bytes
                0x00, 0x3C,        // payload
            })),
            Errc::truncated);
  EXPECT_EQ(decode_error_v5(publish_to_t_wire({
                0x04,                    // property length 4
                0x26, 0x00, 0x01, 0x6B,  // User Property name "k"; its value is past the length
                0x00, 0x01, 0x76,        // payload
            })),
            Errc::truncated);
}

TEST(Mqtt5Properties, RefusesAFieldLongerThan65535Bytes) {
  const std::vector<std::uint8_t> data(65'536, 0x00);
  EXPECT_EQ(test::encode_error(publish_to_t({{PropertyId::correlation_data, data}}), v5),
            Errc::field_too_long);
  EXPECT_EQ(
      test::encode_error(publish_to_t({{PropertyId::content_type, std::string(65'536, 'x')}}), v5),
      Errc::field_too_long);
}

TEST(Mqtt5Properties, NamesEachProperty) {
  EXPECT_EQ(to_string(PropertyId::payload_format_indicator), "Payload Format Indicator");
  EXPECT_EQ(to_string(PropertyId::subscription_identifier), "Subscription Identifier");
  EXPECT_EQ(to_string(PropertyId::will_delay_interval), "Will Delay Interval");
  EXPECT_EQ(to_string(PropertyId::shared_subscription_available), "Shared Subscription Available");
  EXPECT_EQ(to_string(static_cast<PropertyId>(0x7F)), "unknown property");
}

TEST(Mqtt5Properties, LooksUpByKind) {
  const auto decoded = test::decode_ok<packet::Publish>(
      publish_to_t_wire({
          0x0D,                          // property length 13
          0x02, 0x00, 0x00, 0x00, 0x78,  // Message Expiry Interval 120
          0x03, 0x00, 0x01, 0x74,        // Content Type "t"
          0x09, 0x00, 0x01, 0xAB,        // Correlation Data AB
      }),
      v5);
  EXPECT_EQ(decoded.properties.integer(PropertyId::message_expiry_interval), 120u);
  EXPECT_EQ(decoded.properties.string(PropertyId::content_type), "t");
  const auto data = decoded.properties.binary(PropertyId::correlation_data);
  ASSERT_TRUE(data.has_value());
  EXPECT_EQ(Bytes(data->begin(), data->end()), Bytes{0xAB});
  EXPECT_FALSE(decoded.properties.integer(PropertyId::topic_alias).has_value());
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
