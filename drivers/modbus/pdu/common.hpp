// What the per-function-code PDU files share: the response types, the protocol
// limits and the checks that every response goes through (exception, function
// echo, byte count, write echo). References are to the Modbus Application
// Protocol Specification v1.1b3.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "drivers/modbus/error.hpp"

namespace iotgw::drivers::modbus::pdu {

// Section 4.1: a PDU is at most 253 bytes (256-byte RTU ADU minus address and CRC).
inline constexpr std::size_t max_pdu_length = 253;
// Limits on quantities (sections 6.1 to 6.12).
inline constexpr std::uint16_t max_read_bits = 2000;
inline constexpr std::uint16_t max_read_registers = 125;
inline constexpr std::uint16_t max_write_coils = 1968;
inline constexpr std::uint16_t max_write_registers = 123;
// Function code bit that marks an exception response (section 7).
inline constexpr std::uint8_t exception_flag = 0x80;

// Response to function 1 or 2: exactly the requested number of bits.
struct BitsRead {
  std::vector<bool> bits;
  bool operator==(const BitsRead&) const = default;
};

// Response to function 3 or 4: exactly the requested number of registers.
struct RegistersRead {
  std::vector<std::uint16_t> registers;
  bool operator==(const RegistersRead&) const = default;
};

// Response to a write (5, 6, 15, 16) whose echo matched the request.
struct WriteConfirmed {
  std::uint16_t address = 0;
  std::uint16_t quantity = 0;
  bool operator==(const WriteConfirmed&) const = default;
};

// Big-endian 16-bit field helpers (section 4.2: "big-Endian representation").
void put_u16(Bytes& out, std::uint16_t value);
std::uint16_t get_u16(std::span<const std::uint8_t> bytes, std::size_t at);

// Bytes needed for `bits` packed eight per byte, first bit in the LSB (section 6.1).
constexpr std::size_t packed_bit_bytes(std::size_t bits) {
  return (bits + 7) / 8;
}

// A read request (functions 1 to 4): function, start address, quantity within 1..max.
Result<Bytes> encode_read_request(std::uint8_t function, std::uint16_t address,
                                  std::uint16_t quantity, std::uint16_t max_quantity);

// The checks common to every response: non-empty, an exception response of
// `function` (mapped to its named error), or the echoed function code.
Result<> check_function(std::uint8_t function, std::span<const std::uint8_t> pdu);

// Response to function 1 or 2: byte count matching `quantity` bits, then the bits.
Result<BitsRead> decode_bits_response(std::uint8_t function, std::uint16_t quantity,
                                      std::span<const std::uint8_t> pdu);

// Response to function 3 or 4: byte count of 2 * `quantity`, then the registers.
Result<RegistersRead> decode_registers_response(std::uint8_t function, std::uint16_t quantity,
                                                std::span<const std::uint8_t> pdu);

// Response to functions 5, 6, 15, 16: the function, then two 16-bit fields that
// must echo the request's address and its value or quantity.
Result<WriteConfirmed> decode_write_echo(std::uint8_t function, std::uint16_t address,
                                         std::uint16_t second, std::uint16_t quantity,
                                         std::span<const std::uint8_t> pdu);

// Refuses a quantity outside 1..max_quantity (counted names what, for the
// message: " coils") and an address range that runs past register 65535.
Result<> check_quantity(std::uint16_t address, std::size_t quantity, std::size_t max_quantity,
                        std::string_view counted);

}  // namespace iotgw::drivers::modbus::pdu
