// The stream decoder (2.2): packets cut across reads, several packets per
// read, errors mid-stream and bounded buffering.
#include <gtest/gtest.h>

#include "bridge/mqtt/stream_decoder.hpp"
#include "tests/unit/mqtt/mqtt_test_util.hpp"

namespace iotgw::mqtt {
namespace {

using test::bytes;

const bytes connack_wire = {0x20, 0x02, 0x01, 0x00};       // CONNACK, session present, accepted
const bytes suback_wire = {0x90, 0x03, 0x00, 0x01, 0x01};  // SUBACK id 1, granted QoS 1
const bytes publish_wire = {
    0x32, 0x09,                    // PUBLISH QoS 1, remaining length 9
    0x00, 0x03, 0x61, 0x2F, 0x62,  // topic "a/b"
    0x00, 0x0A,                    // packet id 10
    0x68, 0x69,                    // payload "hi"
};
const bytes pingresp_wire = {0xD0, 0x00};  // PINGRESP

bytes concat(std::initializer_list<const bytes*> parts) {
  bytes all;
  for (const auto* part : parts) {
    all.insert(all.end(), part->begin(), part->end());
  }
  return all;
}

publish expected_publish() {
  publish p;
  p.topic = "a/b";
  p.payload = test::payload_of("hi");
  p.qos = qos::at_least_once;
  p.packet_id = 10;
  return p;
}

std::vector<packet> expected_stream() {
  return {connack{true, connack_code::accepted}, suback{1, {suback_code::granted_qos1}},
          expected_publish(), pingresp{}};
}

TEST(MqttStreamDecoder, DecodesSeveralPacketsInOneRead) {
  stream_decoder decoder;
  std::vector<packet> out;
  const bytes all = concat({&connack_wire, &suback_wire, &publish_wire, &pingresp_wire});
  EXPECT_FALSE(decoder.feed(all, out).has_value());
  EXPECT_EQ(out, expected_stream());
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(MqttStreamDecoder, DecodesOneByteReads) {
  stream_decoder decoder;
  std::vector<packet> out;
  for (std::size_t i = 0; i < publish_wire.size(); ++i) {
    EXPECT_TRUE(out.empty()) << "packet before its last byte, at byte " << i;
    EXPECT_FALSE(decoder.feed(std::span(&publish_wire[i], 1), out).has_value());
    if (i + 1 < publish_wire.size()) {
      EXPECT_EQ(decoder.buffered(), i + 1);
    }
  }
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<publish>(out[0]), expected_publish());
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(MqttStreamDecoder, DecodesTheSameStreamAtEveryChunkSize) {
  const bytes all = concat({&connack_wire, &suback_wire, &publish_wire, &pingresp_wire});
  for (std::size_t chunk = 1; chunk <= all.size(); ++chunk) {
    stream_decoder decoder;
    std::vector<packet> out;
    for (std::size_t at = 0; at < all.size(); at += chunk) {
      const std::size_t n = std::min(chunk, all.size() - at);
      ASSERT_FALSE(decoder.feed(std::span(all).subspan(at, n), out).has_value()) << chunk;
    }
    EXPECT_EQ(out, expected_stream()) << "chunk size " << chunk;
    EXPECT_EQ(decoder.buffered(), 0u);
  }
}

TEST(MqttStreamDecoder, KeepsThePartialTailForTheNextRead) {
  stream_decoder decoder;
  std::vector<packet> out;
  const bytes all = concat({&connack_wire, &publish_wire});
  // The CONNACK and the first three bytes of the PUBLISH.
  EXPECT_FALSE(decoder.feed(std::span(all).first(7), out).has_value());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(decoder.buffered(), 3u);
  EXPECT_FALSE(decoder.feed(std::span(all).subspan(7), out).has_value());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(std::get<publish>(out[1]), expected_publish());
}

TEST(MqttStreamDecoder, DeliversGoodPacketsBeforeAnError) {
  stream_decoder decoder;
  std::vector<packet> out;
  const bytes bad_then_good = {
      0x20, 0x02, 0x00, 0x00,  // CONNACK accepted
      0x40, 0x02, 0x00, 0x00,  // PUBACK with packet id 0
      0xD0, 0x00,              // PINGRESP, never reached
  };
  auto failure = decoder.feed(bad_then_good, out);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->code, errc::zero_packet_id);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<connack>(out[0]));
  EXPECT_TRUE(decoder.failed());

  auto again = decoder.feed(pingresp_wire, out);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->code, errc::decoder_failed);
  EXPECT_EQ(out.size(), 1u);

  decoder.reset();
  EXPECT_FALSE(decoder.feed(pingresp_wire, out).has_value());
  EXPECT_EQ(out.size(), 2u);
}

TEST(MqttStreamDecoder, RejectsGarbageAtTheFirstByte) {
  stream_decoder decoder;
  std::vector<packet> out;
  const bytes garbage = {0x00};  // packet type 0
  auto failure = decoder.feed(garbage, out);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->code, errc::bad_packet_type);
}

TEST(MqttStreamDecoder, RejectsOversizeHeaderBeforeTheBody) {
  stream_decoder decoder(decode_limits{16});
  std::vector<packet> out;
  const bytes header = {
      0x30,  // PUBLISH QoS 0
      0x64,  // remaining length 100: 102 bytes, above 16
  };
  EXPECT_FALSE(decoder.feed(std::span(header).first(1), out).has_value());
  auto failure = decoder.feed(std::span(header).subspan(1), out);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->code, errc::packet_too_large);
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(MqttStreamDecoder, RejectsFiveByteRemainingLengthByteByByte) {
  stream_decoder decoder;
  std::vector<packet> out;
  const bytes wire = {0x30, 0x80, 0x80, 0x80, 0x80, 0x01};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_FALSE(decoder.feed(std::span(&wire[i], 1), out).has_value()) << i;
  }
  auto failure = decoder.feed(std::span(&wire[4], 1), out);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->code, errc::bad_remaining_length);
}

TEST(MqttStreamDecoder, BuffersAtMostOnePacketUpToTheLimit) {
  stream_decoder decoder(decode_limits{64});
  std::vector<packet> out;
  bytes big = {
      0x30, 0x3E,        // PUBLISH QoS 0, remaining length 62: 64 bytes in all
      0x00, 0x01, 0x74,  // topic "t"
  };
  big.resize(64, 0x41);  // 59 payload bytes
  EXPECT_FALSE(decoder.feed(std::span(big).first(63), out).has_value());
  EXPECT_EQ(decoder.buffered(), 63u);
  EXPECT_FALSE(decoder.feed(std::span(big).subspan(63), out).has_value());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<publish>(out[0]).payload.size(), 59u);
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(MqttStreamDecoder, ReportsMalformedBodyOfABufferedPacket) {
  stream_decoder decoder;
  std::vector<packet> out;
  const bytes wire = {
      0x90, 0x03,  // SUBACK, remaining length 3
      0x00, 0x01,  // packet id 1
      0x05,        // reserved return code
  };
  EXPECT_FALSE(decoder.feed(std::span(wire).first(2), out).has_value());
  auto failure = decoder.feed(std::span(wire).subspan(2), out);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->code, errc::invalid_return_code);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace iotgw::mqtt
