#include "drivers/modbus/pdu/write_single_coil.hpp"

namespace iotgw::drivers::modbus::pdu {

Result<Bytes> encode_request(const WriteSingleCoil& request) {
  Bytes out{WriteSingleCoil::function};
  put_u16(out, request.address);
  put_u16(out, coil_field(request.value));
  return out;
}

Result<WriteConfirmed> decode_response(const WriteSingleCoil& request,
                                       std::span<const std::uint8_t> pdu) {
  return decode_write_echo(WriteSingleCoil::function, request.address, coil_field(request.value), 1,
                           pdu);
}

}  // namespace iotgw::drivers::modbus::pdu
