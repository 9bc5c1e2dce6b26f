// The master transaction core driven through scripted exchanges on a fake
// clock: requests, replies in pieces, timeouts and retries, the inter-frame
// gap, broadcasts, and TCP transaction ids.
#include <algorithm>
#include <chrono>

#include <gtest/gtest.h>

#include "drivers/modbus/master.hpp"
#include "tests/unit/drivers/modbus/exchange.hpp"

namespace iotgw::drivers::modbus {
namespace {

using namespace std::chrono_literals;
using test::after;
using test::Exchange;
using test::spec_rtu_request;
using test::spec_rtu_response;

// 9600 baud 8N1: a character is 10 bits = 1042 us; t3.5 = 3646 us.
constexpr Micros character{1042};
constexpr Micros gap{3646};

MasterOptions rtu_options() {
  MasterOptions options;
  options.framing = &rtu_framing;
  options.response_timeout = 100ms;
  options.retries = 1;
  options.frame_gap = gap;
  options.character_time = character;
  options.turnaround_delay = 100ms;
  return options;
}

MasterOptions tcp_options() {
  MasterOptions options;
  options.framing = &tcp_framing;
  options.response_timeout = 100ms;
  options.retries = 1;
  return options;
}

const Transaction read_transaction{42, 0x11, pdu::ReadHoldingRegisters{107, 3}};

// 8 bytes at 1042 us each: when the request has left the port.
constexpr Micros request_on_wire = 8 * character;

const pdu::Response registers{pdu::RegistersRead{{555, 0, 100}}};

void expect_registers(const event::TransactionCompleted& done) {
  ASSERT_TRUE(done.result.has_value()) << done.result.error().message();
  EXPECT_EQ(done.result.value(), registers);
}

TEST(ModbusMaster, ReadsHoldingRegisters) {
  Exchange wire(rtu_options());
  wire.expect(spec_rtu_request).reply(spec_rtu_response, after(20ms));
  wire.command(read_transaction);
  EXPECT_TRUE(wire.master().busy());
  ASSERT_EQ(wire.timers().count(test::TimerKind::response_timeout), 1U);
  EXPECT_EQ(wire.elapsed(wire.timers().at(test::TimerKind::response_timeout)),
            request_on_wire + 100ms);  // the timeout starts once the request has left
  wire.run();

  ASSERT_EQ(wire.completed().size(), 1U);
  const auto& done = wire.completed()[0];
  EXPECT_EQ(done.transaction.tag, 42U);
  EXPECT_EQ(done.attempts, 1);
  expect_registers(done);
  EXPECT_FALSE(wire.master().busy());
  EXPECT_TRUE(wire.timers().empty());  // the response timeout was cancelled
  const DeviceCounters counters = wire.master().counters(0x11);
  EXPECT_EQ(counters.requests, 1U);
  EXPECT_EQ(counters.responses, 1U);
  EXPECT_EQ(counters.timeouts, 0U);
  ASSERT_TRUE(wire.last_counters_event().has_value());
  EXPECT_EQ(wire.last_counters_event()->unit, 0x11);
  EXPECT_EQ(wire.last_counters_event()->counters, counters);
}

TEST(ModbusMaster, ReplyArrivingOneByteAtATime) {
  Exchange wire(rtu_options());
  wire.expect(spec_rtu_request).reply_chunks(spec_rtu_response, after(15ms), 1, character);
  wire.command(read_transaction);
  wire.run();
  ASSERT_EQ(wire.completed().size(), 1U);
  expect_registers(wire.completed()[0]);
  EXPECT_EQ(wire.master().counters(0x11).discarded_bytes, 0U);
}

TEST(ModbusMaster, KeepsTheInterFrameGapBeforeTheNextRequest) {
  Exchange wire(rtu_options());
  wire.expect(spec_rtu_request).reply(spec_rtu_response, after(20ms));
  wire.expect(spec_rtu_request).reply(spec_rtu_response, after(20ms));
  wire.command(read_transaction);
  wire.run();
  ASSERT_EQ(wire.completed().size(), 1U);
  const auto reply_end = wire.now();

  wire.command(read_transaction);  // right after the last byte of the reply
  ASSERT_EQ(wire.sent().size(), 1U) << "sent before the line was quiet";
  ASSERT_EQ(wire.timers().count(test::TimerKind::frame_gap), 1U);
  wire.run();
  ASSERT_EQ(wire.sent().size(), 2U);
  EXPECT_EQ(wire.sent()[1].at - reply_end, gap);
  ASSERT_EQ(wire.completed().size(), 2U);
  expect_registers(wire.completed()[1]);
}

// A pty, or a USB adapter with its own buffer, takes the request at once and
// the reply can come before the request's time on a real wire: the reply ends
// the exchange, and the gap counts from it.
TEST(ModbusMaster, AReplySoonerThanTheRequestsWireTimeStartsTheGap) {
  Exchange wire(rtu_options());
  wire.expect(spec_rtu_request).reply(spec_rtu_response, after(1ms));
  wire.expect(spec_rtu_request).reply(spec_rtu_response, after(1ms));
  wire.command(read_transaction);
  wire.run();
  ASSERT_EQ(wire.completed().size(), 1U);
  const auto reply_end = wire.now();
  ASSERT_LT(wire.elapsed(reply_end), request_on_wire);
  wire.command(read_transaction);
  wire.run();
  ASSERT_EQ(wire.sent().size(), 2U);
  EXPECT_EQ(wire.sent()[1].at - reply_end, gap);
}

TEST(ModbusMaster, NoiseDuringTheGapPostponesTheRequest) {
  Exchange wire(rtu_options());
  wire.expect(spec_rtu_request).reply(spec_rtu_response, after(20ms));
  wire.expect(spec_rtu_request).reply(spec_rtu_response, after(20ms));
  wire.command(read_transaction);
  wire.run();
  const auto reply_end = wire.now();
  wire.command(read_transaction);
  wire.deliver_at(2ms, Bytes{0xFF});  // a stray byte while waiting
  wire.run();
  ASSERT_EQ(wire.sent().size(), 2U);
  EXPECT_EQ(wire.sent()[1].at - reply_end, 2ms + gap);
  EXPECT_EQ(wire.master().counters(0x11).discarded_bytes, 1U);
}

TEST(ModbusMaster, TimeoutThenRetrySucceeds) {
  Exchange wire(rtu_options());
  wire.expect(spec_rtu_request);  // no answer
  wire.expect(spec_rtu_request).reply(spec_rtu_response, after(10ms));
  wire.command(read_transaction);
  wire.run();
  ASSERT_EQ(wire.sent().size(), 2U);
  // The line was quiet long before the timeout, so the retry goes at once.
  EXPECT_EQ(wire.elapsed(wire.sent()[1].at), request_on_wire + 100ms);
  ASSERT_EQ(wire.completed().size(), 1U);
  EXPECT_EQ(wire.completed()[0].attempts, 2);
  expect_registers(wire.completed()[0]);
  const DeviceCounters counters = wire.master().counters(0x11);
  EXPECT_EQ(counters.requests, 2U);
  EXPECT_EQ(counters.timeouts, 1U);
  EXPECT_EQ(counters.responses, 1U);
}

TEST(ModbusMaster, TimeoutAfterAllRetries) {
  auto options = rtu_options();
  options.retries = 2;
  Exchange wire(options);
  wire.expect(spec_rtu_request);
  wire.expect(spec_rtu_request);
  wire.expect(spec_rtu_request);
  wire.command(read_transaction);
  wire.run();
  ASSERT_EQ(wire.completed().size(), 1U);
  const auto& done = wire.completed()[0];
  ASSERT_FALSE(done.result.has_value());
  EXPECT_EQ(done.result.error().code, Errc::timeout);
  EXPECT_EQ(done.result.error().name(), "timeout");
  EXPECT_EQ(done.attempts, 3);
  EXPECT_EQ(wire.master().counters(0x11).timeouts, 3U);
  EXPECT_FALSE(wire.master().busy());
}

TEST(ModbusMaster, NoRetriesMeansOneAttempt) {
  auto options = rtu_options();
  options.retries = 0;
  Exchange wire(options);
  wire.expect(spec_rtu_request);
  wire.command(read_transaction);
  wire.run();
  ASSERT_EQ(wire.completed().size(), 1U);
  EXPECT_EQ(wire.completed()[0].attempts, 1);
  EXPECT_EQ(wire.completed()[0].result.error().code, Errc::timeout);
}

TEST(ModbusMaster, ExceptionResponseCompletesWithItsName) {
  Exchange wire(rtu_options());
  wire.expect(spec_rtu_request)
      .reply(
          Bytes{
              0x11,        // unit id 17
              0x83,        // function 0x03 | 0x80
              0x02,        // illegal data address
              0xC1, 0x34,  // CRC-16, low byte first
          },
          after(10ms));
  wire.command(read_transaction);
  wire.run();
  ASSERT_EQ(wire.completed().size(), 1U);
  const auto& done = wire.completed()[0];
  ASSERT_FALSE(done.result.has_value());
  EXPECT_EQ(done.result.error().name(), "illegal_data_address");
  EXPECT_EQ(done.attempts, 1);  // an exception is an answer: no retry
  EXPECT_EQ(wire.master().counters(0x11).exceptions, 1U);
  EXPECT_EQ(wire.master().counters(0x11).responses, 1U);
}

TEST(ModbusMaster, BadCrcIsCountedAndTheRetryAnswered) {
  Bytes corrupted = spec_rtu_response;
  corrupted[3] ^= 0x01;
  Exchange wire(rtu_options());
  wire.signal_silence(gap);
  wire.expect(spec_rtu_request).reply(corrupted, after(10ms));
  wire.expect(spec_rtu_request).reply(spec_rtu_response, after(10ms));
  wire.command(read_transaction);
  wire.run();
  ASSERT_EQ(wire.completed().size(), 1U);
  expect_registers(wire.completed()[0]);
  const DeviceCounters counters = wire.master().counters(0x11);
  EXPECT_EQ(counters.crc_errors, 1U);
  EXPECT_EQ(counters.timeouts, 1U);
  EXPECT_EQ(counters.discarded_bytes, corrupted.size());
}

TEST(ModbusMaster, SilenceInTheMiddleOfTheReply) {
  Exchange wire(rtu_options());
  wire.signal_silence(gap);
  // The first 5 bytes, a pause longer than t3.5, then the rest: two broken frames.
  wire.expect(spec_rtu_request)
      .reply(Bytes(spec_rtu_response.begin(), spec_rtu_response.begin() + 5), after(10ms));
  wire.expect(spec_rtu_request).reply(spec_rtu_response, after(10ms));
  wire.command(read_transaction);
  wire.deliver_at(20ms, Bytes(spec_rtu_response.begin() + 5, spec_rtu_response.end()));
  wire.run();
  ASSERT_EQ(wire.completed().size(), 1U);
  expect_registers(wire.completed()[0]);
  EXPECT_EQ(wire.completed()[0].attempts, 2);
  EXPECT_EQ(wire.master().counters(0x11).discarded_bytes, spec_rtu_response.size());
}

TEST(ModbusMaster, AnswerFromAnotherUnitIsIgnored) {
  Exchange wire(rtu_options());
  Bytes stream{
      0x12,                    // unit id 18: someone else
      0x03,                    // function: read holding registers
      0x06,                    // byte count
      0x02, 0x2B, 0x00, 0x00,  // data
      0x00, 0x64,              // data
      0xDC, 0x4A,              // CRC-16, low byte first
  };
  stream.insert(stream.end(), spec_rtu_response.begin(), spec_rtu_response.end());
  wire.expect(spec_rtu_request).reply(stream, after(10ms));
  wire.command(read_transaction);
  wire.run();
  ASSERT_EQ(wire.completed().size(), 1U);
  expect_registers(wire.completed()[0]);
  EXPECT_EQ(wire.master().counters(0x11).unexpected_frames, 1U);
  EXPECT_EQ(wire.master().counters(0x11).discarded_bytes, 11U);
}

TEST(ModbusMaster, MismatchedEchoIsAProtocolError) {
  Exchange wire(rtu_options());
  wire.expect(Bytes{
                  0x11,        // unit id 17
                  0x06,        // function: write single register
                  0x00, 0x01,  // register address 1
                  0x00, 0x03,  // value 3
                  0x9A, 0x9B,  // CRC-16, low byte first
              })
      .reply(
          Bytes{
              0x11,        // unit id 17
              0x06,        // function: write single register
              0x00, 0x01,  // register address 1
              0x00, 0x04,  // value 4: not what we wrote
              0xDB, 0x59,  // CRC-16, low byte first
          },
          after(10ms));
  wire.command({7, 0x11, pdu::WriteSingleRegister{1, 3}});
  wire.run();
  ASSERT_EQ(wire.completed().size(), 1U);
  ASSERT_FALSE(wire.completed()[0].result.has_value());
  EXPECT_EQ(wire.completed()[0].result.error().code, Errc::echo_mismatch);
  EXPECT_EQ(wire.master().counters(0x11).protocol_errors, 1U);
}

TEST(ModbusMaster, BroadcastWriteCompletesAfterTheTurnaroundDelay) {
  Exchange wire(rtu_options());
  wire.expect(Bytes{
      0x00,        // unit id 0: broadcast
      0x06,        // function: write single register
      0x00, 0x01,  // register address 1
      0x00, 0x03,  // value 3
      0x99, 0xDA,  // CRC-16, low byte first
  });
  wire.command({9, 0x00, pdu::WriteSingleRegister{1, 3}});
  EXPECT_EQ(wire.timers().count(test::TimerKind::response_timeout), 0U);
  ASSERT_EQ(wire.timers().count(test::TimerKind::turnaround), 1U);
  wire.run();
  ASSERT_EQ(wire.completed().size(), 1U);
  const auto& done = wire.completed()[0];
  ASSERT_TRUE(done.result.has_value()) << done.result.error().message();
  EXPECT_EQ(done.result.value(), (pdu::Response{pdu::WriteConfirmed{1, 1}}));
  EXPECT_EQ(wire.elapsed(wire.now()), request_on_wire + 100ms);
  EXPECT_EQ(wire.master().counters(0x00).requests, 1U);
}

TEST(ModbusMaster, BroadcastReadIsRefused) {
  Exchange wire(rtu_options());
  wire.command({1, 0x00, pdu::ReadHoldingRegisters{0, 1}});
  ASSERT_EQ(wire.completed().size(), 1U);
  EXPECT_EQ(wire.completed()[0].result.error().code, Errc::invalid_request);
  EXPECT_EQ(wire.completed()[0].attempts, 0);
  EXPECT_TRUE(wire.sent().empty());
}

TEST(ModbusMaster, SerialUnitAbove247IsRefused) {
  Exchange wire(rtu_options());
  wire.command({1, 248, pdu::ReadHoldingRegisters{0, 1}});
  ASSERT_EQ(wire.completed().size(), 1U);
  EXPECT_EQ(wire.completed()[0].result.error().code, Errc::invalid_request);
  EXPECT_TRUE(wire.sent().empty());
}

TEST(ModbusMaster, SecondCommandWhileBusyIsRefused) {
  Exchange wire(rtu_options());
  wire.expect(spec_rtu_request).reply(spec_rtu_response, after(10ms));
  wire.command(read_transaction);
  wire.command({43, 0x11, pdu::ReadHoldingRegisters{0, 1}});
  ASSERT_EQ(wire.completed().size(), 1U);
  EXPECT_EQ(wire.completed()[0].transaction.tag, 43U);
  EXPECT_EQ(wire.completed()[0].result.error().code, Errc::busy);
  wire.run();
  ASSERT_EQ(wire.completed().size(), 2U);
  expect_registers(wire.completed()[1]);
}

TEST(ModbusMaster, RequestOutsideTheLimitsSendsNothing) {
  Exchange wire(rtu_options());
  wire.command({1, 0x11, pdu::ReadHoldingRegisters{0, 126}});
  ASSERT_EQ(wire.completed().size(), 1U);
  EXPECT_EQ(wire.completed()[0].result.error().code, Errc::invalid_request);
  EXPECT_TRUE(wire.sent().empty());
  EXPECT_FALSE(wire.master().busy());
}

TEST(ModbusMaster, EarlyTimerExpiryIsIgnored) {
  Master master(rtu_options());
  const Master::TimePoint t0{std::chrono::seconds{5}};
  (void)master.command(read_transaction, t0);
  EXPECT_TRUE(master.on_timer(event::TimerKind::response_timeout, t0 + 1ms).empty());
  EXPECT_TRUE(master.on_timer(event::TimerKind::turnaround, t0 + 1ms).empty());
  EXPECT_TRUE(master.busy());
  EXPECT_EQ(master.counters(0x11).timeouts, 0U);
}

TEST(ModbusMaster, TransportResetFailsTheTransaction) {
  Exchange wire(rtu_options());
  wire.expect(spec_rtu_request);
  wire.command(read_transaction);
  const auto events = wire.master().on_transport_reset(wire.now());
  bool failed = false;
  for (const auto& ev : events) {
    if (const auto* done = std::get_if<event::TransactionCompleted>(&ev)) {
      failed = done->result.error().code == Errc::transport_reset;
    }
  }
  EXPECT_TRUE(failed);
  EXPECT_FALSE(wire.master().busy());
}

TEST(ModbusMaster, BytesWithNoTransactionAreCountedForNobody) {
  Exchange wire(rtu_options());
  wire.deliver_at(1ms, spec_rtu_response);
  wire.run();
  EXPECT_EQ(wire.master().unattributed_counters().discarded_bytes, spec_rtu_response.size());
  ASSERT_TRUE(wire.last_counters_event().has_value());
  EXPECT_FALSE(wire.last_counters_event()->unit.has_value());
}

// --- TCP ---------------------------------------------------------------------

// The spec's RTU frame as Modbus TCP: the MBAP header (transaction id,
// protocol id 0, length of unit id and PDU), then the frame without its CRC.
Bytes as_tcp(std::uint8_t transaction, const Bytes& rtu_frame) {
  const std::size_t unit_and_pdu = rtu_frame.size() - 2;
  // Sized once and filled in place: GCC 12 at -O2 misreads an insert after
  // the header as a copy past its end (-Warray-bounds).
  Bytes frame(6 + unit_and_pdu);
  frame[1] = transaction;
  frame[5] = static_cast<std::uint8_t>(unit_and_pdu);
  std::copy_n(rtu_frame.begin(), unit_and_pdu, frame.begin() + 6);
  return frame;
}

Bytes tcp_request(std::uint8_t transaction) {
  return as_tcp(transaction, spec_rtu_request);
}

Bytes tcp_response(std::uint8_t transaction) {
  return as_tcp(transaction, spec_rtu_response);
}

TEST(ModbusMasterTcp, TransactionIdsCountUp) {
  Exchange wire(tcp_options());
  wire.expect(tcp_request(1)).reply(tcp_response(1), after(3ms));
  wire.expect(tcp_request(2)).reply(tcp_response(2), after(3ms));
  wire.command(read_transaction);
  wire.run();
  wire.command(read_transaction);  // no gap on TCP: sent at once
  EXPECT_EQ(wire.sent().size(), 2U);
  wire.run();
  ASSERT_EQ(wire.completed().size(), 2U);
  expect_registers(wire.completed()[0]);
  expect_registers(wire.completed()[1]);
}

TEST(ModbusMasterTcp, LateAnswerToTheTimedOutAttemptIsDiscarded) {
  Exchange wire(tcp_options());
  wire.expect(tcp_request(1));                                      // no answer in time
  wire.expect(tcp_request(2)).reply(tcp_response(2), after(30ms));  // the retry
  wire.command(read_transaction);
  wire.deliver_at(120ms, tcp_response(1));  // the first answer, late
  wire.run();
  ASSERT_EQ(wire.completed().size(), 1U);
  expect_registers(wire.completed()[0]);
  EXPECT_EQ(wire.completed()[0].attempts, 2);
  EXPECT_EQ(wire.master().counters(0x11).unexpected_frames, 1U);
  EXPECT_EQ(wire.master().counters(0x11).discarded_bytes, 15U);
}

TEST(ModbusMasterTcp, TimeoutInTheMiddleOfAFrameKeepsTheStreamAligned) {
  const Bytes late = tcp_response(1);
  Exchange wire(tcp_options());
  // The first answer stalls after 5 bytes and completes after the timeout...
  wire.expect(tcp_request(1)).reply(Bytes(late.begin(), late.begin() + 5), after(10ms));
  wire.expect(tcp_request(2)).reply(tcp_response(2), after(60ms));
  wire.command(read_transaction);
  wire.deliver_at(150ms, Bytes(late.begin() + 5, late.end()));
  wire.run();
  // ...and is discarded as stale, while the retry's answer is taken.
  ASSERT_EQ(wire.completed().size(), 1U);
  expect_registers(wire.completed()[0]);
  EXPECT_EQ(wire.transport_resets(), 0);
  EXPECT_EQ(wire.master().counters(0x11).unexpected_frames, 1U);
  EXPECT_EQ(wire.master().counters(0x11).discarded_bytes, late.size());
}

TEST(ModbusMasterTcp, ImpossibleHeaderResetsTheTransport) {
  Exchange wire(tcp_options());
  wire.expect(tcp_request(1))
      .reply(
          Bytes{
              0x00, 0x01,  // transaction id 1
              0x00, 0x00,  // protocol id 0
              0xFF, 0xFF,  // length 65535: impossible
              0x11,        // unit id
          },
          after(3ms));
  wire.command(read_transaction);
  wire.run();
  EXPECT_EQ(wire.transport_resets(), 1);
  ASSERT_EQ(wire.completed().size(), 1U);
  EXPECT_EQ(wire.completed()[0].result.error().code, Errc::transport_reset);
  EXPECT_TRUE(wire.timers().empty());
}

TEST(ModbusMasterTcp, UnitZeroIsAnOrdinaryAddressOnTcp) {
  Exchange wire(tcp_options());
  // A write single register is answered with its own echo.
  const Bytes write_to_unit_zero{
      0x00, 0x01,  // transaction id 1
      0x00, 0x00,  // protocol id 0
      0x00, 0x06,  // length
      0x00,        // unit id 0
      0x06,        // function: write single register
      0x00, 0x01,  // register address 1
      0x00, 0x03,  // value 3
  };
  wire.expect(write_to_unit_zero).reply(write_to_unit_zero, after(2ms));
  wire.command({1, 0x00, pdu::WriteSingleRegister{1, 3}});
  wire.run();
  ASSERT_EQ(wire.completed().size(), 1U);
  EXPECT_TRUE(wire.completed()[0].result.has_value());
}

// --- options from the configuration -----------------------------------------

TEST(ModbusMasterOptions, SerialTimingFromTheBus) {
  config::Bus bus;
  bus.protocol = config::Protocol::modbus_rtu;
  bus.baud = 9600;
  bus.timeout = 250ms;
  bus.retries = 2;
  auto options = master_options(bus);
  EXPECT_EQ(options.framing, &rtu_framing);
  EXPECT_EQ(options.response_timeout, 250ms);
  EXPECT_EQ(options.retries, 2);
  EXPECT_EQ(options.character_time, Micros{1042});  // 10 bits at 9600
  EXPECT_EQ(options.frame_gap, Micros{3646});       // 35 bits at 9600

  bus.baud = 19200;
  bus.parity = config::Parity::even;  // 11 bits per character
  EXPECT_EQ(master_options(bus).frame_gap, Micros{2006});

  bus.parity = config::Parity::none;
  bus.stop_bits = 2;  // also 11 bits
  EXPECT_EQ(master_options(bus).frame_gap, Micros{2006});

  bus.baud = 38400;  // above 19200: fixed 1750 us
  EXPECT_EQ(master_options(bus).frame_gap, Micros{1750});

  bus.frame_gap = 10ms;  // a configured longer gap wins
  EXPECT_EQ(master_options(bus).frame_gap, 10ms);
  bus.frame_gap = 1ms;  // but never shorter than t3.5
  EXPECT_EQ(master_options(bus).frame_gap, Micros{1750});
}

TEST(ModbusMasterOptions, NetworkBuses) {
  config::Bus bus;
  bus.protocol = config::Protocol::modbus_tcp;
  auto options = master_options(bus);
  EXPECT_EQ(options.framing, &tcp_framing);
  EXPECT_EQ(options.frame_gap, Micros{0});
  EXPECT_EQ(options.character_time, Micros{0});

  bus.protocol = config::Protocol::modbus_rtu_over_tcp;
  bus.frame_gap = 5ms;
  options = master_options(bus);
  EXPECT_EQ(options.framing, &rtu_framing);
  EXPECT_EQ(options.frame_gap, 5ms);
  EXPECT_EQ(options.character_time, Micros{0});
}

}  // namespace
}  // namespace iotgw::drivers::modbus
