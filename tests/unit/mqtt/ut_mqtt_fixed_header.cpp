// Fixed header (2.2): packet types, remaining-length encoding and its limits.
#include <array>
#include <limits>

#include <gtest/gtest.h>

#include "tests/unit/mqtt/mqtt_test_util.hpp"

namespace iotgw::mqtt {
namespace {

using test::bytes;

constexpr std::size_t no_limit = std::numeric_limits<std::size_t>::max();

struct length_row {
  std::size_t value;
  bytes encoded;
};

// 2.2.3 table 2.4: the boundaries of each encoded size.
const length_row length_rows[] = {
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
    writer out(buffer);
    out.remaining_length(row.value);
    ASSERT_FALSE(out.overflowed());
    EXPECT_EQ(bytes(buffer.begin(), buffer.begin() + out.written()), row.encoded) << row.value;
    EXPECT_EQ(remaining_length_size(row.value), row.encoded.size()) << row.value;
  }
}

TEST(MqttFixedHeader, ParsesRemainingLengthBoundaries) {
  for (const auto& row : length_rows) {
    bytes wire = {0x30};  // PUBLISH QoS 0
    wire.insert(wire.end(), row.encoded.begin(), row.encoded.end());
    auto parsed = parse_fixed_header(wire, no_limit);
    ASSERT_TRUE(parsed.has_value()) << row.value;
    ASSERT_TRUE(parsed->has_value()) << row.value;
    EXPECT_EQ((*parsed)->remaining_length, row.value);
    EXPECT_EQ((*parsed)->header_size, 1 + row.encoded.size());
    EXPECT_EQ((*parsed)->type(), packet_type::publish);
  }
}

TEST(MqttFixedHeader, AsksForMoreWhileIncomplete) {
  for (const bytes& partial : {bytes{}, bytes{0x30}, bytes{0x30, 0x80}, bytes{0x30, 0xFF, 0xFF},
                               bytes{0x30, 0xFF, 0xFF, 0xFF}}) {
    auto parsed = parse_fixed_header(partial, no_limit);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_FALSE(parsed->has_value()) << partial.size();
  }
}

TEST(MqttFixedHeader, RejectsFiveByteRemainingLength) {
  const bytes wire = {
      0x30,                          // PUBLISH QoS 0
      0xFF, 0xFF, 0xFF, 0xFF, 0x7F,  // a fifth length byte
  };
  auto parsed = parse_fixed_header(wire, no_limit);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code, errc::bad_remaining_length);
  EXPECT_EQ(test::decode_error(wire), errc::bad_remaining_length);
  // The fourth byte still has its continuation bit: rejected before a fifth arrives.
  auto early = parse_fixed_header(bytes{0x30, 0x80, 0x80, 0x80, 0x80}, no_limit);
  ASSERT_FALSE(early.has_value());
  EXPECT_EQ(early.error().code, errc::bad_remaining_length);
}

TEST(MqttFixedHeader, RejectsReservedPacketTypes) {
  EXPECT_EQ(test::decode_error({0x00, 0x00}), errc::bad_packet_type);  // type 0
  EXPECT_EQ(test::decode_error({0xF0, 0x00}), errc::bad_packet_type);  // type 15
  auto parsed = parse_fixed_header(bytes{0xF0}, no_limit);  // rejected from the first byte
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code, errc::bad_packet_type);
}

TEST(MqttFixedHeader, RejectsOversizePacketFromItsHeader) {
  const bytes header = {
      0x30,        // PUBLISH QoS 0
      0x80, 0x02,  // remaining length 256: 259 bytes in all
  };
  auto parsed = parse_fixed_header(header, 258);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code, errc::packet_too_large);
  auto fits = parse_fixed_header(header, 259);
  ASSERT_TRUE(fits.has_value());
  EXPECT_EQ((*fits)->packet_size(), 259u);
}

TEST(MqttFixedHeader, RejectsRemainingLengthPastTheBuffer) {
  const bytes wire = {
      0x30,                    // PUBLISH QoS 0
      0x10,                    // remaining length 16
      0x00, 0x01, 0x74, 0x00,  // four bytes present
  };
  EXPECT_EQ(test::decode_error(wire), errc::truncated);
  EXPECT_EQ(test::decode_error({}), errc::truncated);
  EXPECT_EQ(test::decode_error({0x30, 0x80}), errc::truncated);  // header cut
}

TEST(MqttFixedHeader, AcceptsNonMinimalRemainingLength) {
  // 2.2.3 of 3.1.1 does not demand the shortest form (MQTT 5 does); a broker
  // that pads it is tolerated.
  const bytes wire = {
      0xE0,        // DISCONNECT
      0x80, 0x00,  // remaining length 0 in two bytes
  };
  EXPECT_EQ(test::decode_ok<disconnect>(wire), disconnect{});
}

TEST(MqttFixedHeader, DecodeBodyChecksAHandMadeHeader) {
  const bytes body = {0x00, 0x01, 0x74};          // topic "t"
  const fixed_header qos3{0x36, body.size(), 2};  // PUBLISH with QoS bits 11
  auto decoded = decode_body(qos3, body);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_EQ(decoded.error().code, errc::invalid_qos);
  const fixed_header reserved{0xF0, 0, 2};  // type 15
  auto reserved_decoded = decode_body(reserved, {});
  ASSERT_FALSE(reserved_decoded.has_value());
  EXPECT_EQ(reserved_decoded.error().code, errc::bad_packet_type);
}

TEST(MqttFixedHeader, NamesEveryPacketType) {
  EXPECT_EQ(to_string(packet_type::connect), "CONNECT");
  EXPECT_EQ(to_string(packet_type::unsubscribe), "UNSUBSCRIBE");
  EXPECT_EQ(to_string(packet_type::disconnect), "DISCONNECT");
  EXPECT_EQ(to_string(static_cast<packet_type>(15)), "reserved");
  EXPECT_EQ(to_string(errc::packet_too_large), "packet_too_large");
}

}  // namespace
}  // namespace iotgw::mqtt
