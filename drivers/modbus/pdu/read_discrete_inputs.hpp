// Function 0x02 (ReadDiscreteInputs), Modbus Application Protocol v1.1b3 section 6.2.
#pragma once

#include <cstdint>
#include <span>

#include "drivers/modbus/pdu/common.hpp"

namespace iotgw::drivers::modbus::pdu {

// Reads contiguous discrete inputs (read-only bits).
struct ReadDiscreteInputs {
  static constexpr std::uint8_t function = 0x02;
  std::uint16_t address = 0;
  std::uint16_t quantity = 0;  // 1..kMaxReadBits
  bool operator==(const ReadDiscreteInputs&) const = default;
};

// Request PDU: function, starting address, quantity of discrete inputs.
Result<Bytes> encode_request(const ReadDiscreteInputs& request);
// Response PDU checked against the request: exactly `quantity` discrete inputs.
Result<BitsRead> decode_response(const ReadDiscreteInputs& request,
                                 std::span<const std::uint8_t> pdu);

}  // namespace iotgw::drivers::modbus::pdu
