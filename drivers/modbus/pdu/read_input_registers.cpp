#include "drivers/modbus/pdu/read_input_registers.hpp"

namespace iotgw::drivers::modbus::pdu {

Result<Bytes> encode_request(const ReadInputRegisters& request) {
  return encode_read_request(ReadInputRegisters::function, request.address, request.quantity,
                             max_read_registers);
}

Result<RegistersRead> decode_response(const ReadInputRegisters& request,
                                      std::span<const std::uint8_t> pdu) {
  return decode_registers_response(ReadInputRegisters::function, request.quantity, pdu);
}

}  // namespace iotgw::drivers::modbus::pdu
