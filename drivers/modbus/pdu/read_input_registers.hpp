// Function 0x04 (ReadInputRegisters), Modbus Application Protocol v1.1b3 section 6.4.
#pragma once

#include <cstdint>
#include <span>

#include "drivers/modbus/pdu/common.hpp"

namespace iotgw::drivers::modbus::pdu {

// Reads contiguous input registers (read-only words).
struct ReadInputRegisters {
  static constexpr std::uint8_t function = 0x04;
  std::uint16_t address = 0;
  std::uint16_t quantity = 0;  // 1..kMaxReadRegisters
  bool operator==(const ReadInputRegisters&) const = default;
};

// Request PDU: function, starting address, quantity of input registers.
Result<Bytes> encode_request(const ReadInputRegisters& request);
// Response PDU checked against the request: exactly `quantity` input registers.
Result<RegistersRead> decode_response(const ReadInputRegisters& request,
                                      std::span<const std::uint8_t> pdu);

}  // namespace iotgw::drivers::modbus::pdu
