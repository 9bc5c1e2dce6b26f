#include "drivers/modbus/pdu/common.hpp"

#include <string>

namespace iotgw::drivers::modbus::pdu {
void put_u16(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value & 0xFFU));
}

std::uint16_t get_u16(std::span<const std::uint8_t> bytes, std::size_t at) {
  return static_cast<std::uint16_t>((bytes[at] << 8) | bytes[at + 1]);
}

namespace {

Result<> check_address_range(std::uint16_t address, std::size_t quantity) {
  if (address + quantity > 0x10000) {
    return make_error(Errc::invalid_request, "address " + std::to_string(address) + " + quantity " +
                                                 std::to_string(quantity) + " runs past 65535");
  }
  return {};
}

// The byte count field of a read response and the data after it: `expected`
// bytes for `quantity` of what is counted ("bits", "registers").
Result<> check_byte_count(std::size_t expected, std::uint16_t quantity, std::string_view counted,
                          std::span<const std::uint8_t> pdu) {
  if (pdu.size() < 2 || pdu[1] != expected) {
    return make_error(
        Errc::byte_count_mismatch,
        "expected byte count " + std::to_string(expected) + " for " + std::to_string(quantity) +
            " " + std::string(counted) +
            (pdu.size() < 2 ? std::string{", got none"} : ", got " + std::to_string(pdu[1])));
  }
  if (pdu.size() != 2 + expected) {
    return make_error(Errc::malformed_response, "byte count " + std::to_string(expected) + " but " +
                                                    std::to_string(pdu.size() - 2) + " data bytes");
  }
  return {};
}

}  // namespace

Result<> check_quantity(std::uint16_t address, std::size_t quantity, std::size_t max_quantity,
                        std::string_view counted) {
  if (quantity < 1 || quantity > max_quantity) {
    return make_error(Errc::invalid_request, "quantity " + std::to_string(quantity) +
                                                 " outside 1.." + std::to_string(max_quantity) +
                                                 std::string(counted));
  }
  return check_address_range(address, quantity);
}

// Sections 6.1 to 6.4: function, starting address, quantity (all reads share this layout).
Result<Bytes> encode_read_request(std::uint8_t function, std::uint16_t address,
                                  std::uint16_t quantity, std::uint16_t max_quantity) {
  if (Result<> accepted = check_quantity(address, quantity, max_quantity, ""); !accepted) {
    return accepted.error();
  }
  Bytes out{function};
  put_u16(out, address);
  put_u16(out, quantity);
  return out;
}

// Section 7: an exception response is the function code with its high bit set,
// followed by one exception code byte.
Result<> check_function(std::uint8_t function, std::span<const std::uint8_t> pdu) {
  if (pdu.empty()) {
    return make_error(Errc::malformed_response, "empty PDU");
  }
  if (pdu[0] == (function | exception_flag)) {
    if (pdu.size() != 2) {
      return make_error(Errc::malformed_response,
                        "exception response of " + std::to_string(pdu.size()) + " bytes, not 2");
    }
    return exception_error(pdu[1]);
  }
  if (pdu[0] != function) {
    return make_error(Errc::function_mismatch, "sent function " + std::to_string(function) +
                                                   ", got " + std::to_string(pdu[0]));
  }
  return {};
}

// Sections 6.1 and 6.2: function, byte count, coil/input status packed LSB first.
Result<BitsRead> decode_bits_response(std::uint8_t function, std::uint16_t quantity,
                                      std::span<const std::uint8_t> pdu) {
  if (Result<> answered = check_function(function, pdu); !answered) {
    return answered.error();
  }
  const std::size_t expected = packed_bit_bytes(quantity);
  if (Result<> counted = check_byte_count(expected, quantity, "bits", pdu); !counted) {
    return counted.error();
  }
  BitsRead result;
  result.bits.reserve(quantity);
  for (std::size_t i = 0; i < quantity; ++i) {
    result.bits.push_back(((pdu[2 + i / 8] >> (i % 8)) & 1U) != 0);
  }
  return result;
}

// Sections 6.3 and 6.4: function, byte count, registers big-endian.
Result<RegistersRead> decode_registers_response(std::uint8_t function, std::uint16_t quantity,
                                                std::span<const std::uint8_t> pdu) {
  if (Result<> answered = check_function(function, pdu); !answered) {
    return answered.error();
  }
  const std::size_t expected = 2U * quantity;
  if (Result<> counted = check_byte_count(expected, quantity, "registers", pdu); !counted) {
    return counted.error();
  }
  RegistersRead result;
  result.registers.reserve(quantity);
  for (std::size_t i = 0; i < quantity; ++i) {
    result.registers.push_back(get_u16(pdu, 2 + 2 * i));
  }
  return result;
}

// Sections 6.5, 6.6, 6.11, 6.12: the normal response echoes two fields of the request.
Result<WriteConfirmed> decode_write_echo(std::uint8_t function, std::uint16_t address,
                                         std::uint16_t second, std::uint16_t quantity,
                                         std::span<const std::uint8_t> pdu) {
  if (Result<> answered = check_function(function, pdu); !answered) {
    return answered.error();
  }
  if (pdu.size() != 5) {
    return make_error(Errc::malformed_response,
                      "write response of " + std::to_string(pdu.size()) + " bytes, not 5");
  }
  const std::uint16_t echoed_address = get_u16(pdu, 1);
  const std::uint16_t echoed_second = get_u16(pdu, 3);
  if (echoed_address != address || echoed_second != second) {
    return make_error(Errc::echo_mismatch, "sent " + std::to_string(address) + "/" +
                                               std::to_string(second) + ", echoed " +
                                               std::to_string(echoed_address) + "/" +
                                               std::to_string(echoed_second));
  }
  return WriteConfirmed{address, quantity};
}

}  // namespace iotgw::drivers::modbus::pdu
