// CRC-16/MODBUS: the error check of an RTU frame (Modbus over Serial Line
// v1.02, section 2.5.1.2 and appendix B).
#pragma once

#include <cstdint>
#include <span>

namespace iotgw::drivers::modbus {

// CRC-16/MODBUS (reflected polynomial 0xA001, initial value 0xFFFF) of `data`.
// On the wire it is sent low byte first.
std::uint16_t crc16(std::span<const std::uint8_t> data);

}  // namespace iotgw::drivers::modbus
