// Fixed header (2.2): packet types, remaining-length encoding and its limits.
#include <array>
#include <limits>

#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using test::Bytes;

constexpr std::size_t no_limit = std::numeric_limits<std::size_t>::max();

struct LengthRow {
  std::size_t value;
  Bytes encoded;
};

// 2.2.3 table 2.4: the boundaries of each encoded size.
const LengthRow length_rows[] = {
    {0, {0x00}},
    {127, {0x7F}},
    {128, {0x80, 0x01}},
    {16'383, {0xFF, 0x7F}},
    {16'384, {0x80, 0x80, 0x01}},
    {2'097'151, {0xFF, 0xFF, 0x7F}},
    {2'097'152, {0x80, 0x80, 0x80, 0x01}},
    {268'435'455, {0xFF, 0xFF, 0xFF, 0x7F}},
};

TEST(MqttFixedHeader, WritesRemainingLengthBoundaries) {
  for (const auto& row : length_rows) {
    std::array<std::uint8_t, 4> buffer{};
    packet::Writer out(buffer);
    out.remaining_length(row.value);
    ASSERT_FALSE(out.overflowed());
    EXPECT_EQ(Bytes(buffer.begin(), buffer.begin() + out.written()), row.encoded) << row.value;
    EXPECT_EQ(packet::remaining_length_size(row.value), row.encoded.size()) << row.value;
  }
}

TEST(MqttFixedHeader, ParsesRemainingLengthBoundaries) {
  for (const auto& row : length_rows) {
    Bytes wire = {0x30};  // PUBLISH QoS 0
    wire.insert(wire.end(), row.encoded.begin(), row.encoded.end());
    auto parsed = packet::parse_fixed_header(wire, no_limit);
    ASSERT_TRUE(parsed.has_value()) << row.value;
    ASSERT_TRUE(parsed->has_value()) << row.value;
    EXPECT_EQ((*parsed)->remaining_length, row.value);
    EXPECT_EQ((*parsed)->header_size, 1 + row.encoded.size());
    EXPECT_EQ((*parsed)->type(), packet::PacketType::publish);
  }
}

TEST(MqttFixedHeader, AsksForMoreWhileIncomplete) {
  for (const Bytes& partial : {Bytes{}, Bytes{0x30}, Bytes{0x30, 0x80}, Bytes{0x30, 0xFF, 0xFF},
                               Bytes{0x30, 0xFF, 0xFF, 0xFF}}) {
    auto parsed = packet::parse_fixed_header(partial, no_limit);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_FALSE(parsed->has_value()) << partial.size();
  }
}

TEST(MqttFixedHeader, RejectsFiveByteRemainingLength) {
  const Bytes wire = {
      0x30,                          // PUBLISH QoS 0
      0xFF, 0xFF, 0xFF, 0xFF, 0x7F,  // a fifth length byte
  };
  auto parsed = packet::parse_fixed_header(wire, no_limit);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code, Errc::bad_remaining_length);
  EXPECT_EQ(test::decode_error(wire), Errc::bad_remaining_length);
  // The fourth byte still has its continuation bit: rejected before a fifth arrives.
  auto early = packet::parse_fixed_header(Bytes{0x30, 0x80, 0x80, 0x80, 0x80}, no_limit);
  ASSERT_FALSE(early.has_value());
  EXPECT_EQ(early.error().code, Errc::bad_remaining_length);
}

TEST(MqttFixedHeader, RejectsReservedPacketTypes) {
  EXPECT_EQ(test::decode_error({0x00, 0x00}), Errc::bad_packet_type);  // type 0
  auto parsed = packet::parse_fixed_header(Bytes{0x00}, no_limit);  // rejected from the first byte
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code, Errc::bad_packet_type);
}

TEST(MqttFixedHeader, RejectsType15InMqtt311ButReadsAuthInMqtt5) {
  EXPECT_EQ(test::decode_error({0xF0, 0x00}), Errc::bad_packet_type);
  EXPECT_EQ(test::decode_ok<packet::Auth>({0xF0, 0x00}, packet::Version::v5), packet::Auth{});
}

TEST(MqttFixedHeader, RejectsOversizePacketFromItsHeader) {
  const Bytes header = {
      0x30,        // PUBLISH QoS 0
      0x80, 0x02,  // remaining length 256: 259 bytes in all
  };
  auto parsed = packet::parse_fixed_header(header, 258);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code, Errc::packet_too_large);
  auto fits = packet::parse_fixed_header(header, 259);
  ASSERT_TRUE(fits.has_value());
  EXPECT_EQ((*fits)->packet_size(), 259u);
}

TEST(MqttFixedHeader, RejectsRemainingLengthPastTheBuffer) {
  const Bytes wire = {
      0x30,                    // PUBLISH QoS 0
      0x10,                    // remaining length 16
      0x00, 0x01, 0x74, 0x00,  // four bytes present
  };
  EXPECT_EQ(test::decode_error(wire), Errc::truncated);
  EXPECT_EQ(test::decode_error({}), Errc::truncated);
  EXPECT_EQ(test::decode_error({0x30, 0x80}), Errc::truncated);  // header cut
}

TEST(MqttFixedHeader, AcceptsNonMinimalRemainingLength) {
  // 2.2.3 of 3.1.1 does not demand the shortest form (MQTT 5 does); a broker
  // that pads it is tolerated.
  const Bytes wire = {
      0xE0,        // DISCONNECT
      0x80, 0x00,  // remaining length 0 in two bytes
  };
  EXPECT_EQ(test::decode_ok<packet::Disconnect>(wire), packet::Disconnect{});
}

TEST(MqttFixedHeader, DecodeBodyChecksAHandMadeHeader) {
  const Bytes body = {0x00, 0x01, 0x74};                 // topic "t"
  const packet::FixedHeader qos3{0x36, body.size(), 2};  // PUBLISH with QoS bits 11
  auto decoded = decode_body(qos3, body, packet::Version::v3_1_1);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_EQ(decoded.error().code, Errc::invalid_qos);
  const packet::FixedHeader reserved{0xF0, 0, 2};  // type 15
  auto reserved_decoded = decode_body(reserved, {}, packet::Version::v3_1_1);
  ASSERT_FALSE(reserved_decoded.has_value());
  EXPECT_EQ(reserved_decoded.error().code, Errc::bad_packet_type);
}

TEST(MqttFixedHeader, NamesEveryPacketType) {
  EXPECT_EQ(to_string(packet::PacketType::connect), "CONNECT");
  EXPECT_EQ(to_string(packet::PacketType::unsubscribe), "UNSUBSCRIBE");
  EXPECT_EQ(to_string(packet::PacketType::disconnect), "DISCONNECT");
  EXPECT_EQ(to_string(packet::PacketType::auth), "AUTH");
  EXPECT_EQ(to_string(static_cast<packet::PacketType>(0)), "reserved");
  EXPECT_EQ(to_string(Errc::packet_too_large), "packet_too_large");
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
