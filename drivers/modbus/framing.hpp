// How a PDU travels: the application data unit around it. One const descriptor
// per framing, in the spirit of a backend table, holding only pure facts and
// functions (no I/O). RTU-over-TCP uses the RTU descriptor over a byte stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "config/config.hpp"
#include "drivers/modbus/error.hpp"

namespace iotgw::drivers::modbus {

enum class FramingKind { rtu, tcp };

struct Framing {
  FramingKind kind;
  const char* name;
  std::size_t header_length;    // bytes before the PDU: unit id (RTU) or MBAP header (TCP)
  std::size_t checksum_length;  // bytes after the PDU: CRC-16 (RTU) or none (TCP)
  std::size_t max_adu_length;   // 256 (serial line spec 2.5.1) or 260 (TCP spec 4.1)
  bool supports_broadcast;      // unit 0 is a broadcast on serial lines only
  // The request ADU around `pdu` (a TCP frame carries `transaction_id`; RTU ignores it).
  Bytes (*encode_adu)(std::uint8_t unit, std::uint16_t transaction_id,
                      std::span<const std::uint8_t> pdu);
};

extern const Framing rtu_framing;
extern const Framing tcp_framing;

// The framing a bus protocol uses on its transport.
const Framing& framing_for(config::Protocol protocol);

// MBAP header fields (Modbus Messaging on TCP/IP v1.0b, section 3.1.3).
struct MbapHeader {
  std::uint16_t transaction_id = 0;
  std::uint16_t protocol_id = 0;
  std::uint16_t length = 0;  // bytes that follow: unit id + PDU
  std::uint8_t unit = 0;
};
inline constexpr std::size_t mbap_length = 7;
MbapHeader parse_mbap(std::span<const std::uint8_t> header);

}  // namespace iotgw::drivers::modbus
