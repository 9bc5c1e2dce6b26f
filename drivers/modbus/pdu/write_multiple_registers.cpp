#include "drivers/modbus/pdu/write_multiple_registers.hpp"

namespace iotgw::drivers::modbus::pdu {

Result<Bytes> encode_request(const WriteMultipleRegisters& request) {
  const std::size_t quantity = request.values.size();
  if (Result<> accepted =
          check_quantity(request.address, quantity, max_write_registers, " registers");
      !accepted) {
    return accepted.error();
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
