#include "drivers/modbus/response_framer.hpp"

#include "drivers/modbus/crc16.hpp"
#include "drivers/modbus/pdu/request.hpp"

namespace iotgw::drivers::modbus {
namespace {

// TCP spec 3.1.3: the length field counts the unit id and the PDU (1..253 bytes).
constexpr std::uint16_t min_mbap_length = 2;
constexpr std::uint16_t max_mbap_length = 1 + pdu::max_pdu_length;

}  // namespace

FramerStats& FramerStats::operator+=(const FramerStats& other) {
  discarded_bytes += other.discarded_bytes;
  crc_errors += other.crc_errors;
  wrong_unit += other.wrong_unit;
  wrong_transaction += other.wrong_transaction;
  wrong_protocol += other.wrong_protocol;
  short_frames += other.short_frames;
  desynchronised = desynchronised || other.desynchronised;
  return *this;
}

bool FramerStats::any() const {
  return discarded_bytes != 0 || crc_errors != 0 || wrong_unit != 0 || wrong_transaction != 0 ||
         wrong_protocol != 0 || short_frames != 0 || desynchronised;
}

std::span<const std::uint8_t> ResponseFramer::pending() const {
  return std::span<const std::uint8_t>(buffer_).subspan(start_);
}

void ResponseFramer::drop(std::size_t count, FramerOutput& out) {
  start_ += count;
  out.stats.discarded_bytes += count;
}

FramerOutput ResponseFramer::feed(std::span<const std::uint8_t> bytes) {
  FramerOutput out;
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  parse(false, out);
  return out;
}

FramerOutput ResponseFramer::on_silence() {
  FramerOutput out;
  if (framing_->kind == FramingKind::rtu) {
    parse(true, out);
  }
  return out;
}

FramerOutput ResponseFramer::abandon() {
  expected_.reset();
  return framing_->kind == FramingKind::rtu ? flush() : FramerOutput{};
}

FramerOutput ResponseFramer::flush() {
  FramerOutput out;
  if (buffered() != 0) {
    out.stats.short_frames += 1;
    drop(buffered(), out);
  }
  buffer_.clear();
  start_ = 0;
  return out;
}

void ResponseFramer::parse(bool at_end, FramerOutput& out) {
  if (framing_->kind == FramingKind::rtu) {
    parse_rtu(at_end, out);
  } else {
    parse_tcp(out);
  }
  // Compact once per call, so resynchronising byte by byte stays linear.
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
  start_ = 0;
}

// Serial line spec 2.5.1: unit id, PDU, CRC. A frame ends by its length; when a
// candidate fails (unknown function, bad CRC, or cut short by silence) only its
// first byte is dropped, so a real frame that follows noise is still found.
void ResponseFramer::parse_rtu(bool at_end, FramerOutput& out) {
  while (buffered() != 0) {
    if (!expected_) {
      drop(buffered(), out);  // nothing was asked: stray bytes
      return;
    }
    const auto bytes = pending();
    if (bytes.size() < 2) {
      if (!at_end) {
        return;
      }
      out.stats.short_frames += 1;
      drop(bytes.size(), out);
      return;
    }
    const auto length = pdu::response_pdu_length(bytes.subspan(1));
    if (length.kind == pdu::PduLength::Kind::unknown_function) {
      drop(1, out);
      continue;
    }
    const std::size_t frame_length = 1 + length.bytes + 2;
    if (frame_length > framing_->max_adu_length) {
      drop(1, out);  // a byte count no RTU frame can carry: not a frame start
      continue;
    }
    const bool complete =
        length.kind == pdu::PduLength::Kind::complete && bytes.size() >= frame_length;
    if (!complete) {
      if (!at_end) {
        return;
      }
      if (bytes[0] == expected_->unit) {
        out.stats.short_frames += 1;
      }
      drop(1, out);
      continue;
    }
    const auto frame = bytes.first(frame_length);
    const std::uint16_t received_crc =
        static_cast<std::uint16_t>(frame[frame_length - 2] | (frame[frame_length - 1] << 8));
    if (crc16(frame.first(frame_length - 2)) != received_crc) {
      const std::uint8_t function = frame[1];
      if (frame[0] == expected_->unit && (function & ~pdu::exception_flag) == expected_->function) {
        out.stats.crc_errors += 1;
      }
      drop(1, out);
      continue;
    }
    if (frame[0] != expected_->unit) {
      out.stats.wrong_unit += 1;
      drop(frame_length, out);
      continue;
    }
    out.pdu = Bytes(frame.begin() + 1, frame.end() - 2);
    start_ += frame_length;
    expected_.reset();
  }
}

// TCP spec 3.1.3: frames are delimited by the MBAP length, so the stream stays
// aligned across frames we discard; an impossible length means it is lost.
void ResponseFramer::parse_tcp(FramerOutput& out) {
  while (buffered() >= mbap_length) {
    const auto bytes = pending();
    const MbapHeader header = parse_mbap(bytes);
    if (header.length < min_mbap_length || header.length > max_mbap_length) {
      out.stats.desynchronised = true;
      drop(bytes.size(), out);
      return;
    }
    const std::size_t frame_length = 6U + header.length;
    if (bytes.size() < frame_length) {
      return;
    }
    if (header.protocol_id != 0) {
      out.stats.wrong_protocol += 1;
      drop(frame_length, out);
      continue;
    }
    if (!expected_ || header.transaction_id != expected_->transaction_id) {
      out.stats.wrong_transaction += 1;
      drop(frame_length, out);
      continue;
    }
    if (header.unit != expected_->unit) {
      out.stats.wrong_unit += 1;
      drop(frame_length, out);
      continue;
    }
    out.pdu = Bytes(bytes.begin() + mbap_length, bytes.begin() + frame_length);
    start_ += frame_length;
    expected_.reset();
  }
}

}  // namespace iotgw::drivers::modbus
