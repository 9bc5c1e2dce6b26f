#include <array>
#include <cstdint>

#include <gtest/gtest.h>

#include "drivers/modbus/crc16.hpp"

namespace iotgw::drivers::modbus {
namespace {

TEST(ModbusCrc, CatalogueCheckValue) {
  // CRC-16/MODBUS check value from the CRC catalogue: "123456789" -> 0x4B37.
  const std::array<std::uint8_t, 9> ascii{'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  EXPECT_EQ(crc16(ascii), 0x4B37);
}

TEST(ModbusCrc, SpecReadHoldingRegistersRequest) {
  // Application protocol spec 6.3 example as an RTU frame: 11 03 00 6B 00 03 | 76 87.
  const std::array<std::uint8_t, 6> frame{
      0x11,        // unit id 17
      0x03,        // read holding registers
      0x00, 0x6B,  // starting address 107
      0x00, 0x03,  // quantity 3
  };
  EXPECT_EQ(crc16(frame), 0x8776);  // sent low byte first: 76 87
}

TEST(ModbusCrc, ReadOneRegisterFromUnitOne) {
  const std::array<std::uint8_t, 6> frame{
      0x01,        // unit id 1
      0x03,        // read holding registers
      0x00, 0x00,  // address 0
      0x00, 0x01,  // quantity 1
  };
  EXPECT_EQ(crc16(frame), 0x0A84);  // on the wire: 84 0A
}

TEST(ModbusCrc, EmptyInputIsTheInitialValue) {
  EXPECT_EQ(crc16({}), 0xFFFF);
}

TEST(ModbusCrc, FrameWithItsCrcAppendedChecksToZero) {
  // A frame followed by its CRC (low byte first) leaves a zero remainder.
  const std::array<std::uint8_t, 8> frame{0x11, 0x03, 0x00, 0x6B, 0x00, 0x03, 0x76, 0x87};
  EXPECT_EQ(crc16(frame), 0x0000);
}

}  // namespace
}  // namespace iotgw::drivers::modbus
