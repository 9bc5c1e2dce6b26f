// Function 0x01 (ReadCoils), Modbus Application Protocol v1.1b3 section 6.1.
#pragma once

#include <cstdint>
#include <span>

#include "drivers/modbus/pdu/common.hpp"

namespace iotgw::drivers::modbus::pdu {

// Reads the status of contiguous coils (read/write bits).
struct ReadCoils {
  static constexpr std::uint8_t function = 0x01;
  std::uint16_t address = 0;
  std::uint16_t quantity = 0;  // 1..kMaxReadBits
  bool operator==(const ReadCoils&) const = default;
};

// Request PDU: function, starting address, quantity of coils.
Result<Bytes> encode_request(const ReadCoils& request);
// Response PDU checked against the request: exactly `quantity` coils.
Result<BitsRead> decode_response(const ReadCoils& request, std::span<const std::uint8_t> pdu);

}  // namespace iotgw::drivers::modbus::pdu
