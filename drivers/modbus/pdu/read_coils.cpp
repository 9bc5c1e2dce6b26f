#include "drivers/modbus/pdu/read_coils.hpp"

namespace iotgw::drivers::modbus::pdu {

Result<Bytes> encode_request(const ReadCoils& request) {
  return encode_read_request(ReadCoils::function, request.address, request.quantity, max_read_bits);
}

Result<BitsRead> decode_response(const ReadCoils& request, std::span<const std::uint8_t> pdu) {
  return decode_bits_response(ReadCoils::function, request.quantity, pdu);
}

}  // namespace iotgw::drivers::modbus::pdu
