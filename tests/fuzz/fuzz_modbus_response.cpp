// Fuzzes the response side of the Modbus core with whatever a device or a
// network peer might send: the RTU and TCP response framers, the PDU decoders
// checked against a request, and the master transaction core fed the same
// bytes. Besides memory errors it checks invariants: the framer's buffer stays
// bounded, a decoded response matches the request, a transaction completes at
// most once.
//
// Input layout (the seed corpus follows it):
//   [0]    flags: bit 0 TCP framing (else RTU); bit 1 report a silence after
//          every chunk; bits 4-7 chunk size (0: everything in one chunk)
//   [1]    request: function selector (8 kinds)
//   [2..3] quantity seed (big-endian), reduced to the function's range
//   [4]    unit id
//   [5..]  the bytes received
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "drivers/modbus/master.hpp"
#include "drivers/modbus/pdu/request.hpp"
#include "drivers/modbus/response_framer.hpp"

namespace {

using namespace iotgw::drivers::modbus;

constexpr std::size_t header_size = 5;

void check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

pdu::Request make_request(std::uint8_t selector, std::uint16_t seed) {
  switch (selector % 8) {
    case 0:
      return pdu::ReadCoils{seed, static_cast<std::uint16_t>(1 + seed % pdu::max_read_bits)};
    case 1:
      return pdu::ReadDiscreteInputs{0, static_cast<std::uint16_t>(1 + seed % pdu::max_read_bits)};
    case 2:
      return pdu::ReadHoldingRegisters{
          0, static_cast<std::uint16_t>(1 + seed % pdu::max_read_registers)};
    case 3:
      return pdu::ReadInputRegisters{
          0, static_cast<std::uint16_t>(1 + seed % pdu::max_read_registers)};
    case 4:
      return pdu::WriteSingleCoil{seed, (seed & 1U) != 0};
    case 5:
      return pdu::WriteSingleRegister{0x0001, seed};
    case 6:
      return pdu::WriteMultipleCoils{0x0013,
                                     std::vector<bool>(1 + seed % pdu::max_write_coils, true)};
    default:
      return pdu::WriteMultipleRegisters{
          0x0001, std::vector<std::uint16_t>(1 + seed % pdu::max_write_registers, seed)};
  }
}

std::size_t expected_items(const pdu::Request& request) {
  if (const auto* r = std::get_if<pdu::ReadCoils>(&request)) {
    return r->quantity;
  }
  if (const auto* r = std::get_if<pdu::ReadDiscreteInputs>(&request)) {
    return r->quantity;
  }
  if (const auto* r = std::get_if<pdu::ReadHoldingRegisters>(&request)) {
    return r->quantity;
  }
  if (const auto* r = std::get_if<pdu::ReadInputRegisters>(&request)) {
    return r->quantity;
  }
  return 0;
}

// A successful decode must hold exactly what was asked for.
void check_decoded(const pdu::Request& request, const Result<pdu::Response>& response) {
  if (!response) {
    check(!response.error().name().empty());
    return;
  }
  if (const auto* bits = std::get_if<pdu::BitsRead>(&response.value())) {
    check(bits->bits.size() == expected_items(request));
  } else if (const auto* words = std::get_if<pdu::RegistersRead>(&response.value())) {
    check(words->registers.size() == expected_items(request));
  } else {
    check(pdu::is_write(request));
  }
}

template <class Visit>
void for_each_chunk(std::span<const std::uint8_t> bytes, std::size_t chunk, Visit visit) {
  const std::size_t step = chunk == 0 ? bytes.size() : chunk;
  for (std::size_t at = 0; at < bytes.size(); at += step) {
    visit(bytes.subspan(at, std::min(step, bytes.size() - at)));
  }
}

void fuzz_framer(const Framing& framing, const pdu::Request& request, std::uint8_t unit,
                 std::span<const std::uint8_t> stream, std::size_t chunk, bool silences) {
  ResponseFramer framer(framing);
  framer.expect({unit, 1, pdu::function_code(request)});
  const auto take = [&](const FramerOutput& out) {
    check(framer.buffered() <= framing.max_adu_length);
    if (out.pdu) {
      check(!out.pdu->empty() && out.pdu->size() <= pdu::max_pdu_length);
      check_decoded(request, pdu::decode_response(request, *out.pdu));
      framer.expect({unit, 1, pdu::function_code(request)});
    }
  };
  for_each_chunk(stream, chunk, [&](std::span<const std::uint8_t> piece) {
    take(framer.feed(piece));
    if (silences) {
      take(framer.on_silence());
    }
  });
  take(framer.on_silence());
  (void)framer.flush();
  check(framer.buffered() == 0);
}

void fuzz_master(const Framing& framing, const pdu::Request& request, std::uint8_t unit,
                 std::span<const std::uint8_t> stream, std::size_t chunk, bool silences) {
  MasterOptions options;
  options.framing = &framing;
  options.response_timeout = std::chrono::milliseconds{100};
  options.retries = 1;
  options.frame_gap = Micros{1750};
  options.character_time = Micros{520};
  Master master(options);
  Master::TimePoint now{std::chrono::seconds{1}};
  int completions = 0;
  const auto take = [&](const std::vector<Event>& events) {
    for (const auto& ev : events) {
      if (const auto* done = std::get_if<event::TransactionCompleted>(&ev)) {
        ++completions;
        check_decoded(request, done->result);
      }
    }
  };
  take(master.command(Transaction{1, unit, request}, now));
  for_each_chunk(stream, chunk, [&](std::span<const std::uint8_t> piece) {
    now += std::chrono::milliseconds{1};
    take(master.feed(piece, now));
    if (silences) {
      take(master.on_silence(now));
    }
  });
  // Let every timer the core could have asked for expire.
  for (int round = 0; round < 4; ++round) {
    now += std::chrono::milliseconds{200};
    take(master.on_timer(event::TimerKind::frame_gap, now));
    take(master.on_timer(event::TimerKind::response_timeout, now));
    take(master.on_timer(event::TimerKind::turnaround, now));
  }
  check(completions == 1);
  check(!master.busy());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < header_size) {
    return 0;
  }
  const std::uint8_t flags = data[0];
  const Framing& framing = (flags & 1U) != 0 ? tcp_framing : rtu_framing;
  const bool silences = (flags & 2U) != 0;
  const std::size_t chunk = flags >> 4;
  const auto request = make_request(data[1], static_cast<std::uint16_t>((data[2] << 8) | data[3]));
  const std::uint8_t unit = data[4];
  const std::span<const std::uint8_t> stream(data + header_size, size - header_size);

  check_decoded(request, pdu::decode_response(request, stream));
  fuzz_framer(framing, request, unit, stream, chunk, silences);
  fuzz_master(framing, request, unit, stream, chunk, silences);
  return 0;
}
