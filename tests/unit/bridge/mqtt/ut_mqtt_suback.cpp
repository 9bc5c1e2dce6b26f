// SUBACK (3.9): granted QoS per filter; 0x80 is a refusal, not an error.
#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using test::Bytes;

const Bytes wire = {
    0x90,        // SUBACK, flags 0000
    0x05,        // remaining length 5
    0x00, 0x01,  // packet id 1
    0x01,        // filter 1: granted QoS 1
    0x80,        // filter 2: failure
    0x02,        // filter 3: granted QoS 2
};

packet::Suback packet() {
  return packet::Suback{1,
                        {packet::ReasonCode::granted_qos1, packet::ReasonCode::unspecified_error,
                         packet::ReasonCode::granted_qos2}};
}

TEST(MqttSuback, Encodes) {
  EXPECT_EQ(test::encode_ok(packet()), wire);
}

TEST(MqttSuback, DecodesFailureAsAValue) {
  const auto decoded = test::decode_ok<packet::Suback>(wire);
  EXPECT_EQ(decoded, packet());
  EXPECT_EQ(decoded.reasons[1], packet::ReasonCode::unspecified_error);
}

TEST(MqttSuback, DecodesGrantedQos0) {
  const Bytes qos0 = {0x90, 0x03, 0x00, 0x07, 0x00};  // id 7, granted QoS 0
  EXPECT_EQ(test::decode_ok<packet::Suback>(qos0),
            (packet::Suback{7, {packet::ReasonCode::granted_qos0}}));
}

TEST(MqttSuback, RejectsReservedReturnCodes) {
  for (const std::uint8_t code : {0x03, 0x7F, 0x81, 0xFF}) {
    const Bytes bad = {0x90, 0x03, 0x00, 0x01, code};  // id 1, one reserved code
    EXPECT_EQ(test::decode_error(bad), Errc::invalid_reason_code) << int{code};
  }
  EXPECT_EQ(test::encode_error(packet::Suback{1, {static_cast<packet::ReasonCode>(0x03)}}),
            Errc::invalid_reason_code);
}

TEST(MqttSuback, RejectsBadFixedHeaderFlags) {
  Bytes bad = wire;
  bad[0] = 0x92;  // SUBACK with flags 0010
  EXPECT_EQ(test::decode_error(bad), Errc::bad_flags);
}

TEST(MqttSuback, RejectsNoReturnCode) {
  const Bytes none = {0x90, 0x02, 0x00, 0x01};  // packet id 1 and nothing else
  EXPECT_EQ(test::decode_error(none), Errc::empty_payload);
  EXPECT_EQ(test::encode_error(packet::Suback{1, {}}), Errc::empty_payload);
}

TEST(MqttSuback, RejectsPacketIdZero) {
  const Bytes zero = {0x90, 0x03, 0x00, 0x00, 0x01};  // packet id 0
  EXPECT_EQ(test::decode_error(zero), Errc::zero_packet_id);
}

TEST(MqttSuback, RejectsRemainingLengthPastTheBuffer) {
  Bytes cut = wire;
  cut.pop_back();  // remaining length 5, four bytes present
  EXPECT_EQ(test::decode_error(cut), Errc::truncated);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
