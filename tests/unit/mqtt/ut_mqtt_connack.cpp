// CONNACK (3.2): acknowledge flags, return codes and their names.
#include <gtest/gtest.h>

#include "tests/unit/mqtt/mqtt_test_util.hpp"

namespace iotgw::mqtt {
namespace {

using test::bytes;

TEST(MqttConnack, EncodesAcceptedWithSession) {
  const bytes expected = {
      0x20,  // CONNACK, flags 0000
      0x02,  // remaining length 2
      0x01,  // acknowledge flags: session present
      0x00,  // return code: accepted
  };
  EXPECT_EQ(test::encode_ok(connack{true, connack_code::accepted}), expected);
}

TEST(MqttConnack, DecodesAcceptedWithoutSession) {
  const bytes wire = {
      0x20, 0x02,  // CONNACK, remaining length 2
      0x00,        // no session present
      0x00,        // accepted
  };
  EXPECT_EQ(test::decode_ok<connack>(wire), (connack{false, connack_code::accepted}));
}

TEST(MqttConnack, MapsRefusalCodesToNamedReasons) {
  struct row {
    std::uint8_t code;
    connack_code expected;
    std::string_view reason;
  };
  const row rows[] = {
      {0x01, connack_code::unacceptable_protocol_version, "refused: unacceptable protocol version"},
      {0x02, connack_code::identifier_rejected, "refused: client identifier rejected"},
      {0x03, connack_code::server_unavailable, "refused: server unavailable"},
      {0x04, connack_code::bad_username_or_password, "refused: bad user name or password"},
      {0x05, connack_code::not_authorized, "refused: not authorized"},
  };
  for (const auto& r : rows) {
    const bytes wire = {
        0x20, 0x02,  // CONNACK, remaining length 2
        0x00,        // no session present
        r.code,      // refusal return code
    };
    const auto packet = test::decode_ok<connack>(wire);
    EXPECT_EQ(packet.code, r.expected);
    EXPECT_EQ(to_string(packet.code), r.reason);
    EXPECT_EQ(test::encode_ok(packet), wire);
  }
  EXPECT_EQ(to_string(connack_code::accepted), "connection accepted");
}

TEST(MqttConnack, RejectsReservedReturnCode) {
  const bytes wire = {0x20, 0x02, 0x00, 0x06};  // return code 6 is reserved
  EXPECT_EQ(test::decode_error(wire), errc::invalid_return_code);
  EXPECT_EQ(test::encode_error(connack{false, static_cast<connack_code>(6)}),
            errc::invalid_return_code);
}

TEST(MqttConnack, RejectsReservedAcknowledgeFlags) {
  const bytes wire = {0x20, 0x02, 0x02, 0x00};  // bit 1 of the acknowledge flags
  EXPECT_EQ(test::decode_error(wire), errc::bad_flags);
}

TEST(MqttConnack, RejectsSessionPresentOnRefusal) {
  const bytes wire = {0x20, 0x02, 0x01, 0x05};  // session present + not authorized
  EXPECT_EQ(test::decode_error(wire), errc::bad_flags);
  EXPECT_EQ(test::encode_error(connack{true, connack_code::not_authorized}), errc::bad_flags);
}

TEST(MqttConnack, RejectsReservedFixedHeaderFlags) {
  const bytes wire = {0x24, 0x02, 0x00, 0x00};  // CONNACK with flags 0100
  EXPECT_EQ(test::decode_error(wire), errc::bad_flags);
}

TEST(MqttConnack, RejectsShortAndLongBodies) {
  EXPECT_EQ(test::decode_error({0x20, 0x01, 0x00}), errc::truncated);  // no return code
  EXPECT_EQ(test::decode_error({0x20, 0x03, 0x00, 0x00, 0x00}), errc::trailing_bytes);
}

}  // namespace
}  // namespace iotgw::mqtt
