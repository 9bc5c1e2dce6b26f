// Function 0x03 (ReadHoldingRegisters), Modbus Application Protocol v1.1b3 section 6.3.
#pragma once

#include <cstdint>
#include <span>

#include "drivers/modbus/pdu/common.hpp"

namespace iotgw::drivers::modbus::pdu {

// Reads contiguous holding registers (read/write words).
struct ReadHoldingRegisters {
  static constexpr std::uint8_t function = 0x03;
  std::uint16_t address = 0;
  std::uint16_t quantity = 0;  // 1..kMaxReadRegisters
  bool operator==(const ReadHoldingRegisters&) const = default;
};

// Request PDU: function, starting address, quantity of holding registers.
Result<Bytes> encode_request(const ReadHoldingRegisters& request);
// Response PDU checked against the request: exactly `quantity` holding registers.
Result<RegistersRead> decode_response(const ReadHoldingRegisters& request,
                                      std::span<const std::uint8_t> pdu);

}  // namespace iotgw::drivers::modbus::pdu
