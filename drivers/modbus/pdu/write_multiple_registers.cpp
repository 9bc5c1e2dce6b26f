#include "drivers/modbus/pdu/write_multiple_registers.hpp"

#include <string>

namespace iotgw::drivers::modbus::pdu {

Result<Bytes> encode_request(const WriteMultipleRegisters& request) {
  const std::size_t quantity = request.values.size();
  if (quantity < 1 || quantity > max_write_registers) {
    return Error{Errc::invalid_request, 0,
                 "quantity " + std::to_string(quantity) + " outside 1..123 registers"};
  }
  if (auto error = check_address_range(request.address, quantity)) {
    return *error;
  }
  Bytes out{WriteMultipleRegisters::function};
  put_u16(out, request.address);
  put_u16(out, static_cast<std::uint16_t>(quantity));
  out.push_back(static_cast<std::uint8_t>(2 * quantity));
  for (const std::uint16_t value : request.values) {
    put_u16(out, value);
  }
  return out;
}

Result<WriteConfirmed> decode_response(const WriteMultipleRegisters& request,
                                       std::span<const std::uint8_t> pdu) {
  const auto quantity = static_cast<std::uint16_t>(request.values.size());
  return decode_write_echo(WriteMultipleRegisters::function, request.address, quantity, quantity,
                           pdu);
}

}  // namespace iotgw::drivers::modbus::pdu
