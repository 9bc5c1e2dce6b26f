// CONNACK (3.2): acknowledge flags, return codes and their names.
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
  EXPECT_EQ(test::encode_ok(packet::Connack{true, packet::ConnackCode::accepted}), expected);
}

TEST(MqttConnack, DecodesAcceptedWithoutSession) {
  const Bytes wire = {
      0x20, 0x02,  // CONNACK, remaining length 2
      0x00,        // no session present
      0x00,        // accepted
  };
  EXPECT_EQ(test::decode_ok<packet::Connack>(wire),
            (packet::Connack{false, packet::ConnackCode::accepted}));
}

TEST(MqttConnack, MapsRefusalCodesToNamedReasons) {
  struct Row {
    std::uint8_t code;
    packet::ConnackCode expected;
    std::string_view reason;
  };
  const Row rows[] = {
      {0x01, packet::ConnackCode::unacceptable_protocol_version,
       "refused: unacceptable protocol version"},
      {0x02, packet::ConnackCode::identifier_rejected, "refused: client identifier rejected"},
      {0x03, packet::ConnackCode::server_unavailable, "refused: server unavailable"},
      {0x04, packet::ConnackCode::bad_username_or_password, "refused: bad user name or password"},
      {0x05, packet::ConnackCode::not_authorized, "refused: not authorized"},
  };
  for (const auto& r : rows) {
    const Bytes wire = {
        0x20, 0x02,  // CONNACK, remaining length 2
        0x00,        // no session present
        r.code,      // refusal return code
    };
    const auto packet = test::decode_ok<packet::Connack>(wire);
    EXPECT_EQ(packet.code, r.expected);
    EXPECT_EQ(to_string(packet.code), r.reason);
    EXPECT_EQ(test::encode_ok(packet), wire);
  }
  EXPECT_EQ(to_string(packet::ConnackCode::accepted), "connection accepted");
}

TEST(MqttConnack, RejectsReservedReturnCode) {
  const Bytes wire = {0x20, 0x02, 0x00, 0x06};  // return code 6 is reserved
  EXPECT_EQ(test::decode_error(wire), Errc::invalid_return_code);
  EXPECT_EQ(test::encode_error(packet::Connack{false, static_cast<packet::ConnackCode>(6)}),
            Errc::invalid_return_code);
}

TEST(MqttConnack, RejectsReservedAcknowledgeFlags) {
  const Bytes wire = {0x20, 0x02, 0x02, 0x00};  // bit 1 of the acknowledge flags
  EXPECT_EQ(test::decode_error(wire), Errc::bad_flags);
}

TEST(MqttConnack, RejectsSessionPresentOnRefusal) {
  const Bytes wire = {0x20, 0x02, 0x01, 0x05};  // session present + not authorized
  EXPECT_EQ(test::decode_error(wire), Errc::bad_flags);
  EXPECT_EQ(test::encode_error(packet::Connack{true, packet::ConnackCode::not_authorized}),
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
