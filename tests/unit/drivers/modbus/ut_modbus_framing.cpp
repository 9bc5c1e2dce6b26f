// RTU and TCP framing: the request ADUs, and cutting responses out of a byte
// stream that arrives in pieces, with noise, foreign frames and bad CRCs.
#include <cstdint>

#include <gtest/gtest.h>

#include "drivers/modbus/framing.hpp"
#include "drivers/modbus/response_framer.hpp"
#include "tests/unit/drivers/modbus/support.hpp"

namespace iotgw::drivers::modbus {
namespace {

using test::hex;
using test::spec_rtu_request;
using test::spec_rtu_response;

const Bytes response_pdu{0x03, 0x06, 0x02, 0x2B, 0x00, 0x00, 0x00, 0x64};

constexpr ResponseFramer::Expectation unit17_read{0x11, 0, 0x03};

ResponseFramer armed_rtu() {
  ResponseFramer framer(rtu_framing);
  framer.expect(unit17_read);
  return framer;
}

// The spec response after some noise, in one burst.
Bytes after(Bytes noise) {
  noise.insert(noise.end(), spec_rtu_response.begin(), spec_rtu_response.end());
  return noise;
}

// The spec response was cut out of the stream once `discarded` bytes of noise were dropped.
void expect_found_after_noise(const FramerOutput& out, std::size_t discarded) {
  ASSERT_TRUE(out.pdu.has_value());
  EXPECT_EQ(*out.pdu, response_pdu);
  EXPECT_EQ(out.stats.discarded_bytes, discarded);
}

TEST(ModbusRtuFraming, EncodesSpecRequest) {
  const Bytes pdu{0x03, 0x00, 0x6B, 0x00, 0x03};
  EXPECT_EQ(rtu_framing.encode_adu(0x11, 99, pdu), spec_rtu_request);
}

TEST(ModbusRtuFraming, WholeResponse) {
  auto framer = armed_rtu();
  const auto out = framer.feed(spec_rtu_response);
  ASSERT_TRUE(out.pdu.has_value());
  EXPECT_EQ(*out.pdu, response_pdu);
  EXPECT_FALSE(out.stats.any());
  EXPECT_FALSE(framer.expecting());
  EXPECT_EQ(framer.buffered(), 0U);
}

TEST(ModbusRtuFraming, OneByteAtATime) {
  auto framer = armed_rtu();
  for (std::size_t i = 0; i + 1 < spec_rtu_response.size(); ++i) {
    const auto out = framer.feed(std::span(spec_rtu_response).subspan(i, 1));
    EXPECT_FALSE(out.pdu.has_value()) << "frame ended early at byte " << i;
    EXPECT_FALSE(out.stats.any());
  }
  const auto out = framer.feed(std::span(spec_rtu_response).last(1));
  ASSERT_TRUE(out.pdu.has_value());
  EXPECT_EQ(*out.pdu, response_pdu);
}

TEST(ModbusRtuFraming, ExceptionFrameIsFiveBytes) {
  auto framer = armed_rtu();
  const Bytes exception{
      0x11,        // unit id 17
      0x83,        // function 0x03 | 0x80
      0x02,        // illegal data address
      0xC1, 0x34,  // CRC-16, low byte first
  };
  const auto out = framer.feed(exception);
  ASSERT_TRUE(out.pdu.has_value());
  EXPECT_EQ(*out.pdu, (Bytes{0x83, 0x02}));
}

TEST(ModbusRtuFraming, GarbageBeforeTheFrameIsSkipped) {
  auto framer = armed_rtu();
  const Bytes stream = after({
      0xFF,  // line noise
      0x00,  // line noise
      0x7E,  // line noise
  });
  expect_found_after_noise(framer.feed(stream), 3);
}

TEST(ModbusRtuFraming, GarbageLookingLikeOurHeader) {
  // "11 03 20": our unit and function with a byte count of 32; the real
  // frame follows within the same burst and is found once the false one fails.
  auto framer = armed_rtu();
  const Bytes stream = after({
      0x11,  // unit id 17 (noise)
      0x03,  // function 3 (noise)
      0x20,  // byte count 32 (noise)
  });
  EXPECT_FALSE(framer.feed(stream).pdu.has_value());  // still waiting for 32 data bytes
  // t3.5 of silence: the burst is over.
  expect_found_after_noise(framer.on_silence(), 3);
}

TEST(ModbusRtuFraming, ByteCountNoFrameCanCarryIsNotAFrameStart) {
  // A byte count of 252 would make a 257-byte frame, longer than the 256 an
  // RTU frame may have: the framer does not wait for it.
  auto framer = armed_rtu();
  const Bytes stream = after({
      0x11,  // unit id 17 (noise)
      0x03,  // function 3 (noise)
      0xFC,  // byte count 252 (noise)
  });
  expect_found_after_noise(framer.feed(stream), 3);
}

TEST(ModbusRtuFraming, WrongUnitIsDiscardedWholeAndCounted) {
  auto framer = armed_rtu();
  const Bytes other_unit{
      0x12,                    // unit id 18, not the one asked
      0x03,                    // function: read holding registers
      0x06,                    // byte count
      0x02, 0x2B, 0x00, 0x00,  // data
      0x00, 0x64,              // data
      0xDC, 0x4A,              // CRC-16, low byte first
  };
  auto out = framer.feed(other_unit);
  EXPECT_FALSE(out.pdu.has_value());
  EXPECT_EQ(out.stats.wrong_unit, 1U);
  EXPECT_EQ(out.stats.discarded_bytes, other_unit.size());
  EXPECT_TRUE(framer.expecting());
  out = framer.feed(spec_rtu_response);
  ASSERT_TRUE(out.pdu.has_value());
  EXPECT_EQ(*out.pdu, response_pdu);
}

TEST(ModbusRtuFraming, BadCrcIsCountedAndTheFrameDropped) {
  auto framer = armed_rtu();
  Bytes corrupted = spec_rtu_response;
  corrupted[4] ^= 0x40;  // a flipped bit in the data
  auto out = framer.feed(corrupted);
  EXPECT_FALSE(out.pdu.has_value());
  EXPECT_EQ(out.stats.crc_errors, 1U);
  const auto silence = framer.on_silence();
  EXPECT_FALSE(silence.pdu.has_value());
  out.stats += silence.stats;
  EXPECT_EQ(out.stats.discarded_bytes, corrupted.size());
  EXPECT_EQ(framer.buffered(), 0U);
  // The retry's answer still gets through.
  out = framer.feed(spec_rtu_response);
  ASSERT_TRUE(out.pdu.has_value());
}

TEST(ModbusRtuFraming, SilenceInTheMiddleDiscardsThePartialFrame) {
  auto framer = armed_rtu();
  auto out = framer.feed(std::span(spec_rtu_response).first(5));
  EXPECT_FALSE(out.pdu.has_value());
  out = framer.on_silence();
  EXPECT_FALSE(out.pdu.has_value());
  EXPECT_EQ(out.stats.discarded_bytes, 5U);
  EXPECT_GE(out.stats.short_frames, 1U);
  EXPECT_EQ(framer.buffered(), 0U);
  // The rest of the cut frame arriving late is noise, then a whole frame works.
  out = framer.feed(std::span(spec_rtu_response).subspan(5));
  EXPECT_FALSE(out.pdu.has_value());
  const auto silence = framer.on_silence();
  EXPECT_FALSE(silence.pdu.has_value());
  EXPECT_EQ(out.stats.discarded_bytes + silence.stats.discarded_bytes,
            spec_rtu_response.size() - 5);
  out = framer.feed(spec_rtu_response);
  ASSERT_TRUE(out.pdu.has_value());
  EXPECT_EQ(*out.pdu, response_pdu);
}

TEST(ModbusRtuFraming, BytesWithNothingAskedAreDiscarded) {
  ResponseFramer framer(rtu_framing);
  const auto out = framer.feed(spec_rtu_response);
  EXPECT_FALSE(out.pdu.has_value());
  EXPECT_EQ(out.stats.discarded_bytes, spec_rtu_response.size());
  EXPECT_EQ(framer.buffered(), 0U);
}

TEST(ModbusRtuFraming, BytesAfterTheResponseAreDiscarded) {
  auto framer = armed_rtu();
  Bytes stream = spec_rtu_response;
  stream.push_back(0x00);  // trailing noise
  stream.push_back(0xFF);  // trailing noise
  const auto out = framer.feed(stream);
  ASSERT_TRUE(out.pdu.has_value());
  EXPECT_EQ(out.stats.discarded_bytes, 2U);
}

TEST(ModbusRtuFraming, WrongFunctionWithValidCrcReachesTheDecoder) {
  // Unit 1 answers function 4 to a function 3 request; the frame is whole and
  // its CRC right, so the PDU decoder (not the framer) names the mismatch.
  ResponseFramer framer(rtu_framing);
  framer.expect({0x01, 0, 0x03});
  const Bytes frame{
      0x01,        // unit id 1
      0x04,        // function: read input registers
      0x02,        // byte count
      0x00, 0x2A,  // 42
      0x38, 0xEF,  // CRC-16, low byte first
  };
  const auto out = framer.feed(frame);
  ASSERT_TRUE(out.pdu.has_value()) << hex(frame);
  EXPECT_EQ(*out.pdu, (Bytes{0x04, 0x02, 0x00, 0x2A}));
}

TEST(ModbusRtuFraming, FlushDropsEverything) {
  auto framer = armed_rtu();
  (void)framer.feed(std::span(spec_rtu_response).first(4));
  const auto out = framer.flush();
  EXPECT_EQ(out.stats.discarded_bytes, 4U);
  EXPECT_EQ(framer.buffered(), 0U);
}

// --- TCP (MBAP) --------------------------------------------------------------

const Bytes tcp_response{
    0x00, 0x07,              // transaction id 7
    0x00, 0x00,              // protocol id 0
    0x00, 0x09,              // length: unit id + 8 PDU bytes
    0x11,                    // unit id 17
    0x03,                    // function: read holding registers
    0x06,                    // byte count
    0x02, 0x2B, 0x00, 0x00,  // 555, 0
    0x00, 0x64,              // 100
};

ResponseFramer armed_tcp() {
  ResponseFramer framer(tcp_framing);
  framer.expect({0x11, 7, 0x03});
  return framer;
}

TEST(ModbusTcpFraming, EncodesMbapRequest) {
  const Bytes pdu{0x03, 0x00, 0x6B, 0x00, 0x03};
  const Bytes expected{
      0x00, 0x01,  // transaction id 1
      0x00, 0x00,  // protocol id 0
      0x00, 0x06,  // length: unit id + 5 PDU bytes
      0x11,        // unit id 17
      0x03,        // function: read holding registers
      0x00, 0x6B,  // starting address 107
      0x00, 0x03,  // quantity 3
  };
  EXPECT_EQ(tcp_framing.encode_adu(0x11, 1, pdu), expected);
}

TEST(ModbusTcpFraming, WholeAndByteByByte) {
  auto framer = armed_tcp();
  auto out = framer.feed(tcp_response);
  ASSERT_TRUE(out.pdu.has_value());
  EXPECT_EQ(*out.pdu, response_pdu);

  framer.expect({0x11, 7, 0x03});
  for (std::size_t i = 0; i + 1 < tcp_response.size(); ++i) {
    EXPECT_FALSE(framer.feed(std::span(tcp_response).subspan(i, 1)).pdu.has_value());
  }
  out = framer.feed(std::span(tcp_response).last(1));
  ASSERT_TRUE(out.pdu.has_value());
  EXPECT_EQ(*out.pdu, response_pdu);
}

TEST(ModbusTcpFraming, WrongTransactionIdIsDiscardedAndCounted) {
  auto framer = armed_tcp();
  Bytes late = tcp_response;
  late[1] = 0x06;  // transaction id 6: the answer to an earlier, timed-out request
  Bytes stream = late;
  stream.insert(stream.end(), tcp_response.begin(), tcp_response.end());
  const auto out = framer.feed(stream);
  ASSERT_TRUE(out.pdu.has_value());
  EXPECT_EQ(*out.pdu, response_pdu);
  EXPECT_EQ(out.stats.wrong_transaction, 1U);
  EXPECT_EQ(out.stats.discarded_bytes, late.size());
}

TEST(ModbusTcpFraming, WrongProtocolIdIsDiscardedAndCounted) {
  auto framer = armed_tcp();
  Bytes foreign = tcp_response;
  foreign[3] = 0x01;  // protocol id 1: not Modbus
  auto out = framer.feed(foreign);
  EXPECT_FALSE(out.pdu.has_value());
  EXPECT_EQ(out.stats.wrong_protocol, 1U);
  EXPECT_FALSE(out.stats.desynchronised);
  out = framer.feed(tcp_response);
  ASSERT_TRUE(out.pdu.has_value());
}

TEST(ModbusTcpFraming, WrongUnitIsDiscarded) {
  auto framer = armed_tcp();
  Bytes other = tcp_response;
  other[6] = 0x12;  // unit id 18
  const auto out = framer.feed(other);
  EXPECT_FALSE(out.pdu.has_value());
  EXPECT_EQ(out.stats.wrong_unit, 1U);
  EXPECT_TRUE(framer.expecting());
}

TEST(ModbusTcpFraming, UnsolicitedFramesKeepTheStreamAligned) {
  ResponseFramer framer(tcp_framing);  // nothing asked
  auto out = framer.feed(tcp_response);
  EXPECT_EQ(out.stats.wrong_transaction, 1U);
  EXPECT_EQ(framer.buffered(), 0U);
}

TEST(ModbusTcpFraming, ImpossibleLengthDesynchronises) {
  auto framer = armed_tcp();
  const Bytes broken{
      0x00, 0x07,  // transaction id 7
      0x00, 0x00,  // protocol id 0
      0x00, 0x00,  // length 0: impossible, there is always a unit id and a function
      0x11,        // unit id
      0x03,        // function
  };
  const auto out = framer.feed(broken);
  EXPECT_TRUE(out.stats.desynchronised);
  EXPECT_EQ(out.stats.discarded_bytes, broken.size());
  EXPECT_EQ(framer.buffered(), 0U);
}

TEST(ModbusTcpFraming, AbandonKeepsAPartialFrame) {
  auto framer = armed_tcp();
  (void)framer.feed(std::span(tcp_response).first(9));
  EXPECT_FALSE(framer.abandon().stats.any());
  EXPECT_FALSE(framer.expecting());
  EXPECT_EQ(framer.buffered(), 9U);
  const auto out = framer.feed(std::span(tcp_response).subspan(9));
  EXPECT_FALSE(out.pdu.has_value());
  EXPECT_EQ(out.stats.wrong_transaction, 1U);
  EXPECT_EQ(framer.buffered(), 0U);
}

TEST(ModbusRtuFraming, AbandonDropsThePartialFrame) {
  auto framer = armed_rtu();
  (void)framer.feed(std::span(spec_rtu_response).first(4));
  EXPECT_EQ(framer.abandon().stats.discarded_bytes, 4U);
  EXPECT_FALSE(framer.expecting());
  EXPECT_EQ(framer.buffered(), 0U);
}

TEST(ModbusTcpFraming, SilenceMeansNothingOnTcp) {
  auto framer = armed_tcp();
  (void)framer.feed(std::span(tcp_response).first(9));
  const auto out = framer.on_silence();
  EXPECT_FALSE(out.stats.any());
  EXPECT_EQ(framer.buffered(), 9U);
}

TEST(ModbusFraming, ProtocolPicksFraming) {
  EXPECT_EQ(&framing_for(config::Protocol::modbus_rtu), &rtu_framing);
  EXPECT_EQ(&framing_for(config::Protocol::modbus_rtu_over_tcp), &rtu_framing);
  EXPECT_EQ(&framing_for(config::Protocol::modbus_tcp), &tcp_framing);
}

}  // namespace
}  // namespace iotgw::drivers::modbus
