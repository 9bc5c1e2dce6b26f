// Function 0x0F (WriteMultipleCoils), Modbus Application Protocol v1.1b3 section 6.11.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "drivers/modbus/pdu/common.hpp"

namespace iotgw::drivers::modbus::pdu {

// Forces a sequence of contiguous coils; the quantity is values.size() (1..1968).
struct WriteMultipleCoils {
  static constexpr std::uint8_t function = 0x0F;
  std::uint16_t address = 0;
  std::vector<bool> values;
  bool operator==(const WriteMultipleCoils&) const = default;
};

// Request PDU: function, start address, quantity, byte count, bits packed LSB first.
Result<Bytes> encode_request(const WriteMultipleCoils& request);
// The response echoes the start address and the quantity.
Result<WriteConfirmed> decode_response(const WriteMultipleCoils& request,
                                       std::span<const std::uint8_t> pdu);

}  // namespace iotgw::drivers::modbus::pdu
