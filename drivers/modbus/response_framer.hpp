// Cuts responses out of the received byte stream. It knows the pending
// request's unit id (and transaction id on TCP) and finds where a frame ends
// from its own bytes: RTU by function code and byte count (resynchronising
// past garbage, wrong unit ids and bad CRCs), TCP by the MBAP length field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "drivers/modbus/error.hpp"
#include "drivers/modbus/framing.hpp"

namespace iotgw::drivers::modbus {

// What one call threw away, so that the caller can count it per device.
struct FramerStats {
  std::uint64_t discarded_bytes = 0;    // every byte that did not end up in a matching frame
  std::uint64_t crc_errors = 0;         // RTU frames that looked like our response but failed CRC
  std::uint64_t wrong_unit = 0;         // whole frames from another unit id
  std::uint64_t wrong_transaction = 0;  // TCP frames with another transaction id
  std::uint64_t wrong_protocol = 0;     // TCP frames with a protocol id other than 0
  std::uint64_t short_frames = 0;       // partial frames ended by silence or a flush
  bool desynchronised = false;          // TCP: an impossible MBAP length; the stream is lost

  FramerStats& operator+=(const FramerStats& other);
  bool any() const;
};

struct FramerOutput {
  std::optional<Bytes> pdu;  // the response PDU (without unit id, MBAP header or CRC)
  FramerStats stats;
};

class ResponseFramer {
 public:
  struct Expectation {
    std::uint8_t unit = 0;
    std::uint16_t transaction_id = 0;  // TCP only
    std::uint8_t function = 0;  // the request's function code, to tell a CRC error from noise
  };

  explicit ResponseFramer(const Framing& framing) : framing_(&framing) {}

  // Arms the framer for the response to one request; it disarms itself when the frame is found.
  void expect(const Expectation& expectation) { expected_ = expectation; }
  void cancel_expectation() { expected_.reset(); }
  bool expecting() const { return expected_.has_value(); }

  FramerOutput feed(std::span<const std::uint8_t> bytes);
  // RTU: 3.5 character times of silence end the frame in progress (serial line
  // spec 2.5.1.1); a frame still incomplete then is discarded. TCP: no effect.
  FramerOutput on_silence();
  // Gives up on the expected response (a response timeout). RTU drops what is
  // buffered; TCP keeps a partial frame, since cutting it would misalign the
  // stream, and lets its transaction id mark it stale when it completes.
  FramerOutput abandon();
  // Discards everything buffered (a transport reset).
  FramerOutput flush();

  std::size_t buffered() const { return buffer_.size() - start_; }

 private:
  void parse(bool at_end, FramerOutput& out);
  void parse_rtu(bool at_end, FramerOutput& out);
  void parse_tcp(FramerOutput& out);
  void drop(std::size_t count, FramerOutput& out);
  std::span<const std::uint8_t> pending() const;

  const Framing* framing_;
  std::optional<Expectation> expected_;
  Bytes buffer_;
  std::size_t start_ = 0;  // bytes before this index are consumed
};

}  // namespace iotgw::drivers::modbus
