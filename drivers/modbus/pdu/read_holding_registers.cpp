#include "drivers/modbus/pdu/read_holding_registers.hpp"

namespace iotgw::drivers::modbus::pdu {

Result<Bytes> encode_request(const ReadHoldingRegisters& request) {
  return encode_read_request(ReadHoldingRegisters::function, request.address, request.quantity,
                             max_read_registers);
}

Result<RegistersRead> decode_response(const ReadHoldingRegisters& request,
                                      std::span<const std::uint8_t> pdu) {
  return decode_registers_response(ReadHoldingRegisters::function, request.quantity, pdu);
}

}  // namespace iotgw::drivers::modbus::pdu
