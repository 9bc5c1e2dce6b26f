// CONNECT (3.1): encoding and strict decoding, with hand-written bytes.
#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using test::Bytes;

const Bytes minimal_wire = {
    0x10,                                // CONNECT, flags 0000
    0x0F,                                // remaining length 15
    0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
    0x04,                                // protocol level 4
    0x02,                                // connect flags: clean session
    0x00, 0x1E,                          // keep alive 30 s
    0x00, 0x03, 0x67, 0x77, 0x31,        // client id "gw1"
};

const Bytes full_wire = {
    0x10,                                // CONNECT
    0x31,                                // remaining length 49
    0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // "MQTT"
    0x04,                                // level 4
    0xEC,                          // flags: user name, password, will retain, will QoS 1, will
    0x00, 0x3C,                    // keep alive 60 s
    0x00, 0x03, 0x67, 0x77, 0x31,  // client id "gw1"
    0x00, 0x10, 0x69, 0x6F, 0x74, 0x67, 0x77, 0x2F, 0x67,
    0x77, 0x31, 0x2F, 0x73, 0x74, 0x61, 0x74, 0x75, 0x73,  // will topic "iotgw/gw1/status"
    0x00, 0x07, 0x6F, 0x66, 0x66, 0x6C, 0x69, 0x6E, 0x65,  // will message "offline"
    0x00, 0x01, 0x75,                                      // user name "u"
    0x00, 0x02, 0x70, 0x77,                                // password "pw"
};

packet::Connect minimal_packet() {
  packet::Connect p;
  p.client_id = "gw1";
  p.clean_session = true;
  p.keep_alive = 30;
  return p;
}

packet::Connect full_packet() {
  packet::Connect p;
  p.client_id = "gw1";
  p.clean_session = false;
  p.keep_alive = 60;
  p.will = packet::Will{"iotgw/gw1/status", test::payload_of("offline"), packet::Qos::at_least_once,
                        true};
  p.username = "u";
  p.password = test::payload_of("pw");
  return p;
}

TEST(MqttConnect, EncodesMinimal) {
  EXPECT_EQ(test::encode_ok(minimal_packet()), minimal_wire);
}

TEST(MqttConnect, DecodesMinimal) {
  EXPECT_EQ(test::decode_ok<packet::Connect>(minimal_wire), minimal_packet());
}

TEST(MqttConnect, EncodesWillUserAndPassword) {
  EXPECT_EQ(test::encode_ok(full_packet()), full_wire);
}

TEST(MqttConnect, DecodesWillUserAndPassword) {
  EXPECT_EQ(test::decode_ok<packet::Connect>(full_wire), full_packet());
}

TEST(MqttConnect, EncodesEmptyClientId) {
  packet::Connect p;
  p.keep_alive = 0;
  const Bytes expected = {
      0x10, 0x0C,                          // CONNECT, remaining length 12
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // "MQTT"
      0x04,                                // level 4
      0x02,                                // clean session
      0x00, 0x00,                          // keep alive off
      0x00, 0x00,                          // client id ""
  };
  EXPECT_EQ(test::encode_ok(p), expected);
}

TEST(MqttConnect, RejectsPasswordWithoutUserName) {
  packet::Connect p = minimal_packet();
  p.password = test::payload_of("pw");
  EXPECT_EQ(test::encode_error(p), Errc::bad_flags);
  Bytes wire = minimal_wire;
  wire[9] = 0x42;                         // clean session + password, no user name
  wire[1] = 0x11;                         // remaining length 17
  wire.insert(wire.end(), {0x00, 0x00});  // password ""
  EXPECT_EQ(test::decode_error(wire), Errc::bad_flags);
}

TEST(MqttConnect, RejectsWillTopicWithWildcardOnEncode) {
  packet::Connect p = minimal_packet();
  p.will = packet::Will{"iotgw/+/status", {}, packet::Qos::at_most_once, false};
  EXPECT_EQ(test::encode_error(p), Errc::invalid_topic_name);
}

TEST(MqttConnect, RejectsInvalidUtf8ClientIdOnEncode) {
  packet::Connect p = minimal_packet();
  p.client_id = std::string("gw\xC0\x80", 4);  // overlong U+0000
  EXPECT_EQ(test::encode_error(p), Errc::invalid_utf8);
}

// What the decoder says of `wire` with its byte at `at` replaced by `byte`.
Errc decode_error_with(Bytes wire, std::size_t at, std::uint8_t byte) {
  wire[at] = byte;
  return test::decode_error(wire);
}

TEST(MqttConnect, RejectsReservedConnectFlag) {
  // clean session + reserved bit 0
  EXPECT_EQ(decode_error_with(minimal_wire, 9, 0x03), Errc::bad_flags);
}

TEST(MqttConnect, RejectsReservedFixedHeaderFlags) {
  // CONNECT with flags 0001
  EXPECT_EQ(decode_error_with(minimal_wire, 0, 0x11), Errc::bad_flags);
}

TEST(MqttConnect, RejectsWillQosWithoutWillFlag) {
  // clean session + will QoS 1, will flag clear
  EXPECT_EQ(decode_error_with(minimal_wire, 9, 0x0A), Errc::bad_flags);
  // clean session + will retain, will flag clear
  EXPECT_EQ(decode_error_with(minimal_wire, 9, 0x22), Errc::bad_flags);
}

TEST(MqttConnect, RejectsWillQos3) {
  // will QoS bits 11
  EXPECT_EQ(decode_error_with(full_wire, 9, 0xFC), Errc::invalid_qos);
}

TEST(MqttConnect, RejectsOtherProtocols) {
  // level 3 (MQTT 3.1)
  EXPECT_EQ(decode_error_with(minimal_wire, 8, 0x03), Errc::invalid_protocol);
  // name "MQTX"
  EXPECT_EQ(decode_error_with(minimal_wire, 7, 0x58), Errc::invalid_protocol);
}

TEST(MqttConnect, RejectsClientIdPastRemainingLength) {
  // client id length 4, only 3 bytes left
  EXPECT_EQ(decode_error_with(minimal_wire, 13, 0x04), Errc::truncated);
}

TEST(MqttConnect, RejectsTrailingBytes) {
  Bytes wire = minimal_wire;
  wire[1] = 0x10;  // remaining length 16
  wire.push_back(0x00);
  EXPECT_EQ(test::decode_error(wire), Errc::trailing_bytes);
}

TEST(MqttConnect, RejectsInvalidUtf8ClientId) {
  // not UTF-8
  EXPECT_EQ(decode_error_with(minimal_wire, 16, 0xFF), Errc::invalid_utf8);
  // U+0000
  EXPECT_EQ(decode_error_with(minimal_wire, 16, 0x00), Errc::invalid_utf8);
}

TEST(MqttConnect, RejectsWildcardWillTopic) {
  // will topic "iotgw/+w1/status"
  EXPECT_EQ(decode_error_with(full_wire, 25, 0x2B), Errc::invalid_topic_name);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
