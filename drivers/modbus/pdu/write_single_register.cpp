#include "drivers/modbus/pdu/write_single_register.hpp"

namespace iotgw::drivers::modbus::pdu {

Result<Bytes> encode_request(const WriteSingleRegister& request) {
  Bytes out{WriteSingleRegister::function};
  put_u16(out, request.address);
  put_u16(out, request.value);
  return out;
}

Result<WriteConfirmed> decode_response(const WriteSingleRegister& request,
                                       std::span<const std::uint8_t> pdu) {
  return decode_write_echo(WriteSingleRegister::function, request.address, request.value, 1, pdu);
}

}  // namespace iotgw::drivers::modbus::pdu
