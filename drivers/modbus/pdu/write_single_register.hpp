// Function 0x06 (WriteSingleRegister), Modbus Application Protocol v1.1b3 section 6.6.
#pragma once

#include <cstdint>
#include <span>

#include "drivers/modbus/pdu/common.hpp"

namespace iotgw::drivers::modbus::pdu {

// Writes one holding register.
struct WriteSingleRegister {
  static constexpr std::uint8_t function = 0x06;
  std::uint16_t address = 0;
  std::uint16_t value = 0;
  bool operator==(const WriteSingleRegister&) const = default;
};

// Request PDU: function, register address, register value.
Result<Bytes> encode_request(const WriteSingleRegister& request);
// The response echoes the request exactly.
Result<WriteConfirmed> decode_response(const WriteSingleRegister& request,
                                       std::span<const std::uint8_t> pdu);

}  // namespace iotgw::drivers::modbus::pdu
