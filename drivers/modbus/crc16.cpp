#include "drivers/modbus/crc16.hpp"

#include <array>

namespace iotgw::drivers::modbus {
namespace {

// One entry per byte value: the CRC register after shifting that byte through
// eight rounds of the bitwise algorithm, so the frame loop does one lookup per byte.
constexpr std::array<std::uint16_t, 256> make_table() {
  std::array<std::uint16_t, 256> table{};
  for (unsigned byte = 0; byte < table.size(); ++byte) {
    std::uint16_t reg = static_cast<std::uint16_t>(byte);
    for (int round = 0; round < 8; ++round) {
      const bool carry = (reg & 1U) != 0;
      reg = static_cast<std::uint16_t>(reg >> 1);
      if (carry) {
        reg ^= 0xA001;
      }
    }
    table[byte] = reg;
  }
  return table;
}

constexpr auto crc_table = make_table();

}  // namespace

std::uint16_t crc16(std::span<const std::uint8_t> data) {
  std::uint16_t reg = 0xFFFF;
  for (const std::uint8_t byte : data) {
    reg = static_cast<std::uint16_t>((reg >> 8) ^ crc_table[(reg ^ byte) & 0xFFU]);
  }
  return reg;
}

}  // namespace iotgw::drivers::modbus
