// Function 0x05 (WriteSingleCoil), Modbus Application Protocol v1.1b3 section 6.5.
#pragma once

#include <cstdint>
#include <span>

#include "drivers/modbus/pdu/common.hpp"

namespace iotgw::drivers::modbus::pdu {

// Sets one coil ON or OFF.
struct WriteSingleCoil {
  static constexpr std::uint8_t function = 0x05;
  std::uint16_t address = 0;
  bool value = false;
  bool operator==(const WriteSingleCoil&) const = default;
};

// The output value field: 0xFF00 for ON, 0x0000 for OFF (no other value is legal).
constexpr std::uint16_t coil_field(bool on) {
  return on ? 0xFF00 : 0x0000;
}

// Request PDU: function, output address, 0xFF00 or 0x0000.
Result<Bytes> encode_request(const WriteSingleCoil& request);
// The response echoes the request exactly.
Result<WriteConfirmed> decode_response(const WriteSingleCoil& request,
                                       std::span<const std::uint8_t> pdu);

}  // namespace iotgw::drivers::modbus::pdu
