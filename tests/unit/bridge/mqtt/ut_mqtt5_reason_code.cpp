// Reason codes (5.0 2.4): which packets each may appear in (table 2-6), their
// names, success against failure, and the codec refusing a code in a packet
// that does not define it, both ways.
#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using packet::PacketType;
using packet::ReasonCode;
using test::Bytes;

constexpr auto v5 = packet::Version::v5;

constexpr PacketType every_type[] = {
    PacketType::connect,  PacketType::connack,     PacketType::publish,  PacketType::puback,
    PacketType::pubrec,   PacketType::pubrel,      PacketType::pubcomp,  PacketType::subscribe,
    PacketType::suback,   PacketType::unsubscribe, PacketType::unsuback, PacketType::pingreq,
    PacketType::pingresp, PacketType::disconnect,  PacketType::auth,
};

struct Row {
  std::uint8_t code;
  std::vector<PacketType> packets;  // the packets table 2-6 lists the code for
};

TEST(Mqtt5ReasonCode, AllowedInThePacketsOfTable2_6) {
  using enum PacketType;
  const Row rows[] = {
      {0x00, {connack, puback, pubrec, pubrel, pubcomp, suback, unsuback, disconnect, auth}},
      {0x01, {suback}},
      {0x02, {suback}},
      {0x04, {disconnect}},
      {0x10, {puback, pubrec}},
      {0x11, {unsuback}},
      {0x18, {auth}},
      {0x19, {auth}},
      {0x80, {connack, puback, pubrec, suback, unsuback, disconnect}},
      {0x81, {connack, disconnect}},
      {0x83, {connack, puback, pubrec, suback, unsuback, disconnect}},
      {0x84, {connack}},
      {0x87, {connack, puback, pubrec, suback, unsuback, disconnect}},
      {0x8B, {disconnect}},
      {0x8E, {disconnect}},
      {0x8F, {suback, unsuback, disconnect}},
      {0x90, {connack, puback, pubrec, disconnect}},
      {0x91, {puback, pubrec, suback, unsuback}},
      {0x92, {pubrel, pubcomp}},
      {0x95, {connack, disconnect}},
      {0x97, {connack, puback, pubrec, suback, disconnect}},
      {0x99, {connack, puback, pubrec, disconnect}},
      {0x9E, {suback, disconnect}},
      {0xA0, {disconnect}},
      {0xA2, {suback, disconnect}},
      // Values table 2-6 leaves out.
      {0x03, {}},
      {0x05, {}},
      {0x12, {}},
      {0x7F, {}},
      {0xA3, {}},
      {0xFF, {}},
  };
  for (const auto& row : rows) {
    for (const auto type : every_type) {
      SCOPED_TRACE(testing::Message() << "code " << int{row.code} << " in " << to_string(type));
      const bool listed =
          std::find(row.packets.begin(), row.packets.end(), type) != row.packets.end();
      EXPECT_EQ(allowed_in(static_cast<ReasonCode>(row.code), type), listed);
    }
  }
}

TEST(Mqtt5ReasonCode, NamesAsTheSpecWrites) {
  struct Name {
    std::uint8_t code;
    std::string_view name;
  };
  const Name names[] = {
      {0x00, "Success"},
      {0x01, "Granted QoS 1"},
      {0x02, "Granted QoS 2"},
      {0x04, "Disconnect with Will Message"},
      {0x10, "No matching subscribers"},
      {0x11, "No subscription existed"},
      {0x18, "Continue authentication"},
      {0x19, "Re-authenticate"},
      {0x80, "Unspecified error"},
      {0x81, "Malformed Packet"},
      {0x82, "Protocol Error"},
      {0x8E, "Session taken over"},
      {0x92, "Packet Identifier not found"},
      {0x97, "Quota exceeded"},
      {0x9C, "Use another server"},
      {0xA2, "Wildcard Subscriptions not supported"},
      {0x03, "reserved"},
      {0xFF, "reserved"},
  };
  for (const auto& n : names) {
    EXPECT_EQ(to_string(static_cast<ReasonCode>(n.code)), n.name) << int{n.code};
  }
}

TEST(Mqtt5ReasonCode, FailuresStartAt0x80) {
  EXPECT_FALSE(is_failure(ReasonCode::success));
  EXPECT_FALSE(is_failure(ReasonCode::granted_qos2));
  EXPECT_FALSE(is_failure(ReasonCode::no_matching_subscribers));
  EXPECT_FALSE(is_failure(ReasonCode::reauthenticate));
  EXPECT_FALSE(is_failure(static_cast<ReasonCode>(0x7F)));
  EXPECT_TRUE(is_failure(ReasonCode::unspecified_error));
  EXPECT_TRUE(is_failure(ReasonCode::not_authorized));
  EXPECT_TRUE(is_failure(ReasonCode::wildcard_subscriptions_not_supported));
}

TEST(Mqtt5ReasonCode, RefusesACodeThePacketDoesNotDefine) {
  struct Case {
    const char* what;
    packet::Packet packet;
    Bytes wire;
  };
  const Case cases[] = {
      {"CONNACK Session taken over",
       packet::Connack{false, ReasonCode::session_taken_over},
       {
           0x20, 0x03,  // CONNACK, remaining length 3
           0x00,        // no session present
           0x8E,        // reason code 0x8E: DISCONNECT only
           0x00,        // property length 0
       }},
      {"PUBACK Packet Identifier not found",
       packet::Puback{1, ReasonCode::packet_identifier_not_found},
       {
           0x40, 0x03,  // PUBACK, remaining length 3
           0x00, 0x01,  // packet id 1
           0x92,        // reason code 0x92: PUBREL and PUBCOMP only
       }},
      {"PUBREC Packet Identifier not found",
       packet::Pubrec{1, ReasonCode::packet_identifier_not_found},
       {
           0x50, 0x03,  // PUBREC, remaining length 3
           0x00, 0x01,  // packet id 1
           0x92,        // reason code 0x92
       }},
      {"PUBREL No matching subscribers",
       packet::Pubrel{1, ReasonCode::no_matching_subscribers},
       {
           0x62, 0x03,  // PUBREL, remaining length 3
           0x00, 0x01,  // packet id 1
           0x10,        // reason code 0x10: PUBACK and PUBREC only
       }},
      {"PUBCOMP Unspecified error",
       packet::Pubcomp{1, ReasonCode::unspecified_error},
       {
           0x70, 0x03,  // PUBCOMP, remaining length 3
           0x00, 0x01,  // packet id 1
           0x80,        // reason code 0x80: not a PUBCOMP code
       }},
      {"SUBACK No subscription existed",
       packet::Suback{1, {ReasonCode::no_subscription_existed}},
       {
           0x90, 0x04,  // SUBACK, remaining length 4
           0x00, 0x01,  // packet id 1
           0x00,        // property length 0
           0x11,        // reason code 0x11: UNSUBACK only
       }},
      {"UNSUBACK Granted QoS 1",
       packet::Unsuback{1, {ReasonCode::granted_qos1}},
       {
           0xB0, 0x04,  // UNSUBACK, remaining length 4
           0x00, 0x01,  // packet id 1
           0x00,        // property length 0
           0x01,        // reason code 0x01: SUBACK only
       }},
      {"DISCONNECT Unsupported Protocol Version",
       packet::Disconnect{ReasonCode::unsupported_protocol_version},
       {
           0xE0, 0x01,  // DISCONNECT, remaining length 1
           0x84,        // reason code 0x84: CONNACK only
       }},
      {"DISCONNECT reserved 0x03",
       packet::Disconnect{static_cast<ReasonCode>(0x03)},
       {
           0xE0, 0x01,  // DISCONNECT, remaining length 1
           0x03,        // reason code 0x03: not in table 2-6
       }},
      {"AUTH Not authorized",
       packet::Auth{ReasonCode::not_authorized,
                    {{packet::PropertyId::authentication_method, std::string("m")}}},
       {
           0xF0, 0x06,              // AUTH, remaining length 6
           0x87,                    // reason code 0x87: not an AUTH code
           0x04,                    // property length 4
           0x15, 0x00, 0x01, 0x6D,  // Authentication Method "m"
       }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    EXPECT_EQ(test::encode_error(c.packet, v5), Errc::invalid_reason_code);
    EXPECT_EQ(test::decode_error(c.wire, {}, v5), Errc::invalid_reason_code);
  }
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
