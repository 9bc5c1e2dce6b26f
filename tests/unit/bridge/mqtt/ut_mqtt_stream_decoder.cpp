// The stream decoder (2.2): packets cut across reads, several packets per
// read, errors mid-stream and bounded buffering, and PUBLISHes above the
// maximum packet size skipped without being buffered.
#include <algorithm>
#include <random>

#include <gtest/gtest.h>

#include "bridge/mqtt/stream_decoder.hpp"
#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using packet::Version;
using test::Bytes;

const Bytes connack_wire = {0x20, 0x02, 0x01, 0x00};       // CONNACK, session present, accepted
const Bytes suback_wire = {0x90, 0x03, 0x00, 0x01, 0x01};  // SUBACK id 1, granted QoS 1
const Bytes publish_wire = {
    0x32, 0x09,                    // PUBLISH QoS 1, remaining length 9
    0x00, 0x03, 0x61, 0x2F, 0x62,  // topic "a/b"
    0x00, 0x0A,                    // packet id 10
    0x68, 0x69,                    // payload "hi"
};
const Bytes pingresp_wire = {0xD0, 0x00};  // PINGRESP

Bytes concat(std::initializer_list<const Bytes*> parts) {
  Bytes all;
  for (const auto* part : parts) {
    all.insert(all.end(), part->begin(), part->end());
  }
  return all;
}

std::vector<StreamItem> expected_stream() {
  return {packet::Packet{packet::Connack{true, packet::ReasonCode::success}},
          packet::Packet{packet::Suback{1, {packet::ReasonCode::granted_qos1}}},
          packet::Packet{test::qos1_publish_to_a_b()}, packet::Packet{packet::Pingresp{}}};
}

// The PUBLISH at `index` of what the decoder yielded.
const packet::Publish& publish_at(const std::vector<StreamItem>& out, std::size_t index) {
  return std::get<packet::Publish>(std::get<packet::Packet>(out.at(index)));
}

TEST(MqttStreamDecoder, DecodesSeveralPacketsInOneRead) {
  StreamDecoder decoder(Version::v3_1_1, {});
  std::vector<StreamItem> out;
  const Bytes all = concat({&connack_wire, &suback_wire, &publish_wire, &pingresp_wire});
  EXPECT_TRUE(decoder.feed(all, out).has_value());
  EXPECT_EQ(out, expected_stream());
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(MqttStreamDecoder, DecodesOneByteReads) {
  StreamDecoder decoder(Version::v3_1_1, {});
  std::vector<StreamItem> out;
  for (std::size_t i = 0; i < publish_wire.size(); ++i) {
    EXPECT_TRUE(out.empty()) << "packet before its last byte, at byte " << i;
    EXPECT_TRUE(decoder.feed(std::span(&publish_wire[i], 1), out).has_value());
    if (i + 1 < publish_wire.size()) {
      EXPECT_EQ(decoder.buffered(), i + 1);
    }
  }
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(publish_at(out, 0), test::qos1_publish_to_a_b());
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(MqttStreamDecoder, DecodesTheSameStreamAtEveryChunkSize) {
  const Bytes all = concat({&connack_wire, &suback_wire, &publish_wire, &pingresp_wire});
  for (std::size_t chunk = 1; chunk <= all.size(); ++chunk) {
    StreamDecoder decoder(Version::v3_1_1, {});
    std::vector<StreamItem> out;
    for (std::size_t at = 0; at < all.size(); at += chunk) {
      const std::size_t n = std::min(chunk, all.size() - at);
      ASSERT_TRUE(decoder.feed(std::span(all).subspan(at, n), out).has_value()) << chunk;
    }
    EXPECT_EQ(out, expected_stream()) << "chunk size " << chunk;
    EXPECT_EQ(decoder.buffered(), 0u);
  }
}

TEST(MqttStreamDecoder, KeepsThePartialTailForTheNextRead) {
  StreamDecoder decoder(Version::v3_1_1, {});
  std::vector<StreamItem> out;
  const Bytes all = concat({&connack_wire, &publish_wire});
  // The CONNACK and the first three bytes of the PUBLISH.
  EXPECT_TRUE(decoder.feed(std::span(all).first(7), out).has_value());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(decoder.buffered(), 3u);
  EXPECT_TRUE(decoder.feed(std::span(all).subspan(7), out).has_value());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(publish_at(out, 1), test::qos1_publish_to_a_b());
}

TEST(MqttStreamDecoder, DeliversGoodPacketsBeforeAnError) {
  StreamDecoder decoder(Version::v3_1_1, {});
  std::vector<StreamItem> out;
  const Bytes bad_then_good = {
      0x20, 0x02, 0x00, 0x00,  // CONNACK accepted
      0x40, 0x02, 0x00, 0x00,  // PUBACK with packet id 0
      0xD0, 0x00,              // PINGRESP, never reached
  };
  auto fed = decoder.feed(bad_then_good, out);
  ASSERT_FALSE(fed.has_value());
  EXPECT_EQ(fed.error().code, Errc::zero_packet_id);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<packet::Connack>(std::get<packet::Packet>(out[0])));
  EXPECT_TRUE(decoder.failed());

  auto again = decoder.feed(pingresp_wire, out);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, Errc::decoder_failed);
  EXPECT_EQ(out.size(), 1u);

  decoder.reset(Version::v3_1_1);
  EXPECT_TRUE(decoder.feed(pingresp_wire, out).has_value());
  EXPECT_EQ(out.size(), 2u);
}

TEST(MqttStreamDecoder, RejectsGarbageAtTheFirstByte) {
  StreamDecoder decoder(Version::v3_1_1, {});
  std::vector<StreamItem> out;
  const Bytes garbage = {0x00};  // packet type 0
  auto fed = decoder.feed(garbage, out);
  ASSERT_FALSE(fed.has_value());
  EXPECT_EQ(fed.error().code, Errc::bad_packet_type);
}

TEST(MqttStreamDecoder, RejectsOversizeHeaderOfAnythingButPublishBeforeTheBody) {
  StreamDecoder decoder(Version::v3_1_1, packet::DecodeLimits{16});
  std::vector<StreamItem> out;
  const Bytes header = {
      0x90,  // SUBACK
      0x64,  // remaining length 100: 102 bytes, above 16
  };
  EXPECT_TRUE(decoder.feed(std::span(header).first(1), out).has_value());
  auto fed = decoder.feed(std::span(header).subspan(1), out);
  ASSERT_FALSE(fed.has_value());
  EXPECT_EQ(fed.error().code, Errc::packet_too_large);
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(MqttStreamDecoder, RejectsFiveByteRemainingLengthByteByByte) {
  StreamDecoder decoder(Version::v3_1_1, {});
  std::vector<StreamItem> out;
  const Bytes wire = {0x30, 0x80, 0x80, 0x80, 0x80, 0x01};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_TRUE(decoder.feed(std::span(&wire[i], 1), out).has_value()) << i;
  }
  auto fed = decoder.feed(std::span(&wire[4], 1), out);
  ASSERT_FALSE(fed.has_value());
  EXPECT_EQ(fed.error().code, Errc::bad_remaining_length);
}

TEST(MqttStreamDecoder, BuffersAtMostOnePacketUpToTheLimit) {
  StreamDecoder decoder(Version::v3_1_1, packet::DecodeLimits{64});
  std::vector<StreamItem> out;
  Bytes big = {
      0x30, 0x3E,        // PUBLISH QoS 0, remaining length 62: 64 bytes in all
      0x00, 0x01, 0x74,  // topic "t"
  };
  big.resize(64, 0x41);  // 59 payload bytes
  EXPECT_TRUE(decoder.feed(std::span(big).first(63), out).has_value());
  EXPECT_EQ(decoder.buffered(), 63u);
  EXPECT_TRUE(decoder.feed(std::span(big).subspan(63), out).has_value());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(publish_at(out, 0).payload.size(), 59u);
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(MqttStreamDecoder, ReportsMalformedBodyOfABufferedPacket) {
  StreamDecoder decoder(Version::v3_1_1, {});
  std::vector<StreamItem> out;
  const Bytes wire = {
      0x90, 0x03,  // SUBACK, remaining length 3
      0x00, 0x01,  // packet id 1
      0x05,        // reserved return code
  };
  EXPECT_TRUE(decoder.feed(std::span(wire).first(2), out).has_value());
  auto fed = decoder.feed(std::span(wire).subspan(2), out);
  ASSERT_FALSE(fed.has_value());
  EXPECT_EQ(fed.error().code, Errc::invalid_reason_code);
  EXPECT_TRUE(out.empty());
}

// A retained QoS 1 PUBLISH on "a/b", packet id 10, with 1 MiB of payload:
// four times the default maximum packet size.
Bytes big_publish() {
  const Bytes header = {
      0x33,                          // PUBLISH QoS 1, RETAIN
      0x87, 0x80, 0x40,              // remaining length 1,048,583 = 2 + 3 + 2 + 1,048,576
      0x00, 0x03, 0x61, 0x2F, 0x62,  // topic "a/b"
      0x00, 0x0A,                    // packet id 10
  };
  // Sized once, payload "AAA..." after the header (GCC 12 at -O3 misreads
  // growing a vector made from a list as an access out of bounds).
  Bytes wire(header.size() + 1024 * 1024, 0x41);
  std::copy(header.begin(), header.end(), wire.begin());
  return wire;
}

constexpr std::size_t big_publish_size = 1 + 3 + 1'048'583;

OversizedPublish expected_big_publish() {
  OversizedPublish skipped;
  skipped.topic = "a/b";
  skipped.topic_length = 3;
  skipped.qos = packet::Qos::at_least_once;
  skipped.retain = true;
  skipped.packet_id = 10;
  skipped.size = big_publish_size;
  return skipped;
}

// The big PUBLISH, then a PINGRESP and a normal PUBLISH that must come out whole.
Bytes big_stream() {
  Bytes all = big_publish();
  all.insert(all.end(), pingresp_wire.begin(), pingresp_wire.end());
  all.insert(all.end(), publish_wire.begin(), publish_wire.end());
  return all;
}

std::vector<StreamItem> expected_big_stream() {
  return {expected_big_publish(), packet::Packet{packet::Pingresp{}},
          packet::Packet{test::qos1_publish_to_a_b()}};
}

TEST(MqttStreamDecoder, SkipsAnOversizedPublishFedInOnePiece) {
  StreamDecoder decoder(Version::v3_1_1, {});  // 256 KiB
  std::vector<StreamItem> out;
  const Bytes all = big_stream();
  EXPECT_TRUE(decoder.feed(all, out).has_value());
  EXPECT_EQ(out, expected_big_stream());
  EXPECT_EQ(decoder.buffered(), 0u);
  EXPECT_FALSE(decoder.failed());
}

TEST(MqttStreamDecoder, SkipsAnOversizedPublishFedByteByByteHoldingOnlyItsTopic) {
  StreamDecoder decoder(Version::v3_1_1, {});
  std::vector<StreamItem> out;
  const Bytes all = big_stream();
  std::size_t most = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    ASSERT_TRUE(decoder.feed(std::span(&all[i], 1), out).has_value()) << "at byte " << i;
    if (i + 1 < big_publish_size) {
      most = std::max(most, decoder.buffered());
      ASSERT_TRUE(out.empty()) << "skipped PUBLISH reported before its last byte, at byte " << i;
    }
  }
  EXPECT_EQ(out, expected_big_stream());
  EXPECT_EQ(most, 3u);  // three bytes of the header, later the three of the topic
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(MqttStreamDecoder, SkipsAnOversizedPublishInRandomChunks) {
  const Bytes all = big_stream();
  std::mt19937 random(20'240'611);
  for (int round = 0; round < 20; ++round) {
    StreamDecoder decoder(Version::v3_1_1, {});
    std::vector<StreamItem> out;
    std::uniform_int_distribution<std::size_t> chunk(1, round % 2 == 0 ? 16 : 100'000);
    std::size_t most = 0;
    for (std::size_t at = 0; at < all.size();) {
      const std::size_t n = std::min(chunk(random), all.size() - at);
      ASSERT_TRUE(decoder.feed(std::span(all).subspan(at, n), out).has_value()) << round;
      most = std::max(most, decoder.buffered());
      at += n;
    }
    EXPECT_EQ(out, expected_big_stream()) << "round " << round;
    EXPECT_LE(most, packet::DecodeLimits{}.max_packet_size) << "round " << round;
    EXPECT_LE(most, publish_wire.size()) << "round " << round;
    EXPECT_EQ(decoder.buffered(), 0u);
  }
}

TEST(MqttStreamDecoder, KeepsTheTopicOfAnOversizedPublishWhileSkippingIt) {
  StreamDecoder decoder(Version::v3_1_1, {});
  std::vector<StreamItem> out;
  const Bytes all = big_publish();
  EXPECT_TRUE(decoder.feed(std::span(all).first(9), out).has_value());  // header and topic
  EXPECT_EQ(decoder.buffered(), 3u);
  EXPECT_TRUE(decoder.feed(std::span(all).subspan(9, 500'000), out).has_value());
  EXPECT_EQ(decoder.buffered(), 3u);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(decoder.feed(std::span(all).subspan(500'009), out).has_value());
  EXPECT_EQ(out, std::vector<StreamItem>{expected_big_publish()});
}

TEST(MqttStreamDecoder, SkipsAnOversizedQos0PublishWithoutPacketId) {
  StreamDecoder decoder(Version::v3_1_1, packet::DecodeLimits{16});
  std::vector<StreamItem> out;
  Bytes wire = {
      0x30, 0x14,        // PUBLISH QoS 0, remaining length 20: 22 bytes, above 16
      0x00, 0x01, 0x74,  // topic "t"
  };
  wire.resize(22, 0x00);  // 17 payload bytes
  wire.insert(wire.end(), pingresp_wire.begin(), pingresp_wire.end());
  EXPECT_TRUE(decoder.feed(wire, out).has_value());
  OversizedPublish skipped;
  skipped.topic = "t";
  skipped.topic_length = 1;
  skipped.size = 22;
  EXPECT_EQ(out, (std::vector<StreamItem>{skipped, packet::Packet{packet::Pingresp{}}}));
}

TEST(MqttStreamDecoder, SkipsAnOversizedPublishWhoseTopicDoesNotFitButKeepsItsPacketId) {
  StreamDecoder decoder(Version::v3_1_1, packet::DecodeLimits{1024});
  std::vector<StreamItem> out;
  Bytes wire = {
      0x3C, 0xD4, 0x0F,  // PUBLISH DUP, QoS 2, remaining length 2004 = 2 + 2000 + 2
      0x07, 0xD0,        // topic length 2000: more than the 1024 bytes kept
  };
  wire.resize(5 + 2000, 0x78);  // topic "xxx..."
  wire.push_back(0x12);         // packet id 0x1234
  wire.push_back(0x34);
  wire.insert(wire.end(), pingresp_wire.begin(), pingresp_wire.end());
  for (std::size_t i = 0; i < wire.size(); ++i) {
    ASSERT_TRUE(decoder.feed(std::span(&wire[i], 1), out).has_value()) << i;
    ASSERT_LE(decoder.buffered(), 3u) << i;  // never more than a partial header
  }
  OversizedPublish skipped;
  skipped.topic_length = 2000;
  skipped.qos = packet::Qos::exactly_once;
  skipped.dup = true;
  skipped.packet_id = 0x1234;
  skipped.size = 2007;
  EXPECT_EQ(out, (std::vector<StreamItem>{skipped, packet::Packet{packet::Pingresp{}}}));
}

// The error feeding `wire` in one piece to a decoder with a 16-byte limit
// yields, or errc::decoder_failed if there is none.
Errc oversized_error(const Bytes& wire) {
  StreamDecoder decoder(Version::v3_1_1, packet::DecodeLimits{16});
  std::vector<StreamItem> out;
  auto fed = decoder.feed(wire, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(decoder.buffered(), 0u);
  if (fed) {
    return Errc::decoder_failed;
  }
  EXPECT_TRUE(decoder.failed());
  EXPECT_FALSE(fed.error().reason.empty());
  return fed.error().code;
}

TEST(MqttStreamDecoder, RejectsAnOversizedPublishWhoseTopicRunsPastItsLength) {
  EXPECT_EQ(oversized_error({
                0x30, 0x14,  // PUBLISH QoS 0, remaining length 20
                0x00, 0x13,  // topic length 19: 2 + 19 > 20
            }),
            Errc::truncated);
  EXPECT_EQ(oversized_error({
                0x32, 0x14,  // PUBLISH QoS 1, remaining length 20
                0x00, 0x11,  // topic length 17: 2 + 17 leaves 1 byte, the packet id needs 2
            }),
            Errc::truncated);
}

TEST(MqttStreamDecoder, RejectsAnOversizedPublishWithPacketIdZero) {
  Bytes wire = {
      0x32, 0x14,        // PUBLISH QoS 1, remaining length 20
      0x00, 0x01, 0x74,  // topic "t"
      0x00, 0x00,        // packet id 0
  };
  EXPECT_EQ(oversized_error(wire), Errc::zero_packet_id);
}

TEST(MqttStreamDecoder, RejectsAnOversizedPublishWithAnInvalidTopic) {
  EXPECT_EQ(oversized_error({
                0x30, 0x14,              // PUBLISH QoS 0, remaining length 20
                0x00, 0x02, 0xC0, 0x80,  // topic: overlong encoding of U+0000
            }),
            Errc::invalid_utf8);
  EXPECT_EQ(oversized_error({
                0x30, 0x14,              // PUBLISH QoS 0, remaining length 20
                0x00, 0x02, 0x61, 0x23,  // topic "a#": a wildcard
            }),
            Errc::invalid_topic_name);
  EXPECT_EQ(oversized_error({
                0x30, 0x14,  // PUBLISH QoS 0, remaining length 20
                0x00, 0x00,  // empty topic
            }),
            Errc::invalid_topic_name);
}

// 5.0 3.3.2.1: in MQTT 5 an empty topic name means a Topic Alias stands in,
// from the properties the skipper does not read; the skip goes on.
TEST(MqttStreamDecoder, SkipsAnOversizedMqtt5PublishWithAnEmptyTopic) {
  StreamDecoder decoder(Version::v5, packet::DecodeLimits{16});
  std::vector<StreamItem> out;
  Bytes wire = {
      0x30, 0x14,        // PUBLISH QoS 0, remaining length 20: 22 bytes, above 16
      0x00, 0x00,        // empty topic
      0x03,              // properties: 3 bytes
      0x23, 0x00, 0x07,  //   Topic Alias 7
  };
  wire.resize(22, 0x00);  // 14 payload bytes
  wire.insert(wire.end(), pingresp_wire.begin(), pingresp_wire.end());
  EXPECT_TRUE(decoder.feed(wire, out).has_value());
  OversizedPublish skipped;
  skipped.size = 22;
  EXPECT_EQ(out, (std::vector<StreamItem>{skipped, packet::Packet{packet::Pingresp{}}}));
}

TEST(MqttStreamDecoder, ResetAbandonsASkipUnderWay) {
  StreamDecoder decoder(Version::v3_1_1, {});
  std::vector<StreamItem> out;
  const Bytes all = big_publish();
  EXPECT_TRUE(decoder.feed(std::span(all).first(1000), out).has_value());
  decoder.reset(Version::v3_1_1);
  EXPECT_EQ(decoder.buffered(), 0u);
  EXPECT_TRUE(decoder.feed(publish_wire, out).has_value());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(publish_at(out, 0), test::qos1_publish_to_a_b());
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
