#include "drivers/modbus/pdu/read_discrete_inputs.hpp"

namespace iotgw::drivers::modbus::pdu {

Result<Bytes> encode_request(const ReadDiscreteInputs& request) {
  return encode_read_request(ReadDiscreteInputs::function, request.address, request.quantity,
                             max_read_bits);
}

Result<BitsRead> decode_response(const ReadDiscreteInputs& request,
                                 std::span<const std::uint8_t> pdu) {
  return decode_bits_response(ReadDiscreteInputs::function, request.quantity, pdu);
}

}  // namespace iotgw::drivers::modbus::pdu
