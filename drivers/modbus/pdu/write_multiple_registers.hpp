// Function 0x10 (WriteMultipleRegisters), Modbus Application Protocol v1.1b3 section 6.12.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "drivers/modbus/pdu/common.hpp"

namespace iotgw::drivers::modbus::pdu {

// Writes a block of contiguous holding registers; the quantity is values.size() (1..123).
struct WriteMultipleRegisters {
  static constexpr std::uint8_t function = 0x10;
  std::uint16_t address = 0;
  std::vector<std::uint16_t> values;
  bool operator==(const WriteMultipleRegisters&) const = default;
};

// Request PDU: function, start address, quantity, byte count, registers big-endian.
Result<Bytes> encode_request(const WriteMultipleRegisters& request);
// The response echoes the start address and the quantity.
Result<WriteConfirmed> decode_response(const WriteMultipleRegisters& request,
                                       std::span<const std::uint8_t> pdu);

}  // namespace iotgw::drivers::modbus::pdu
