// CONNACK (3.2) in MQTT 3.1.1: acknowledge flags, and return codes read
// into the MQTT 5 reason codes of the same meaning (5.0 3.2.2.2).
#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using test::Bytes;

TEST(MqttConnack, EncodesAcceptedWithSession) {
  const Bytes expected = {
      0x20,  // CONNACK, flags 0000
      0x02,  // remaining length 2
      0x01,  // acknowledge flags: session present
      0x00,  // return code: accepted
  };
  EXPECT_EQ(test::encode_ok(packet::Connack{true, packet::ReasonCode::success}), expected);
}

TEST(MqttConnack, DecodesAcceptedWithoutSession) {
  const Bytes wire = {
      0x20, 0x02,  // CONNACK, remaining length 2
      0x00,        // no session present
      0x00,        // accepted
  };
  EXPECT_EQ(test::decode_ok<packet::Connack>(wire),
            (packet::Connack{false, packet::ReasonCode::success}));
}

TEST(MqttConnack, MapsRefusalCodesToReasonCodes) {
  struct Row {
    std::uint8_t code;
    packet::ReasonCode expected;
    std::string_view reason;
  };
  const Row rows[] = {
      {0x01, packet::ReasonCode::unsupported_protocol_version, "Unsupported Protocol Version"},
      {0x02, packet::ReasonCode::client_identifier_not_valid, "Client Identifier not valid"},
      {0x03, packet::ReasonCode::server_unavailable, "Server unavailable"},
      {0x04, packet::ReasonCode::bad_user_name_or_password, "Bad User Name or Password"},
      {0x05, packet::ReasonCode::not_authorized, "Not authorized"},
  };
  for (const auto& r : rows) {
    const Bytes wire = {
        0x20, 0x02,  // CONNACK, remaining length 2
        0x00,        // no session present
        r.code,      // refusal return code
    };
    const auto packet = test::decode_ok<packet::Connack>(wire);
    EXPECT_EQ(packet.reason, r.expected);
    EXPECT_EQ(to_string(packet.reason), r.reason);
    EXPECT_EQ(test::encode_ok(packet), wire);
  }
  EXPECT_EQ(to_string(packet::ReasonCode::success), "Success");
}

TEST(MqttConnack, RefusesToEncodeAReasonWithoutA311ReturnCode) {
  EXPECT_EQ(test::encode_error(packet::Connack{false, packet::ReasonCode::quota_exceeded}),
            Errc::invalid_reason_code);
  packet::Connack with_properties;
  with_properties.properties.add(packet::PropertyId::receive_maximum, std::uint32_t{10});
  EXPECT_EQ(test::encode_error(with_properties), Errc::unsupported_in_version);
}

TEST(MqttConnack, RejectsReservedReturnCode) {
  const Bytes wire = {0x20, 0x02, 0x00, 0x06};  // return code 6 is reserved
  EXPECT_EQ(test::decode_error(wire), Errc::invalid_reason_code);
  EXPECT_EQ(test::encode_error(packet::Connack{false, static_cast<packet::ReasonCode>(6)}),
            Errc::invalid_reason_code);
}

TEST(MqttConnack, RejectsReservedAcknowledgeFlags) {
  const Bytes wire = {0x20, 0x02, 0x02, 0x00};  // bit 1 of the acknowledge flags
  EXPECT_EQ(test::decode_error(wire), Errc::bad_flags);
}

TEST(MqttConnack, RejectsSessionPresentOnRefusal) {
  const Bytes wire = {0x20, 0x02, 0x01, 0x05};  // session present + not authorized
  EXPECT_EQ(test::decode_error(wire), Errc::bad_flags);
  EXPECT_EQ(test::encode_error(packet::Connack{true, packet::ReasonCode::not_authorized}),
            Errc::bad_flags);
}

TEST(MqttConnack, RejectsReservedFixedHeaderFlags) {
  const Bytes wire = {0x24, 0x02, 0x00, 0x00};  // CONNACK with flags 0100
  EXPECT_EQ(test::decode_error(wire), Errc::bad_flags);
}

TEST(MqttConnack, RejectsShortAndLongBodies) {
  EXPECT_EQ(test::decode_error({0x20, 0x01, 0x00}), Errc::truncated);  // no return code
  EXPECT_EQ(test::decode_error({0x20, 0x03, 0x00, 0x00, 0x00}), Errc::trailing_bytes);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
