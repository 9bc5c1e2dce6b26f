#include "drivers/modbus/pdu/write_multiple_coils.hpp"

namespace iotgw::drivers::modbus::pdu {

Result<Bytes> encode_request(const WriteMultipleCoils& request) {
  const std::size_t quantity = request.values.size();
  if (Result<> accepted = check_quantity(request.address, quantity, max_write_coils, " coils");
      !accepted) {
    return accepted.error();
  }
  Bytes out{WriteMultipleCoils::function};
  put_u16(out, request.address);
  put_u16(out, static_cast<std::uint16_t>(quantity));
  const std::size_t byte_count = packed_bit_bytes(quantity);
  out.push_back(static_cast<std::uint8_t>(byte_count));
  const std::size_t data_start = out.size();
  out.resize(data_start + byte_count, 0);
  for (std::size_t i = 0; i < quantity; ++i) {
    if (request.values[i]) {
      out[data_start + i / 8] |= static_cast<std::uint8_t>(1U << (i % 8));
    }
  }
  return out;
}

Result<WriteConfirmed> decode_response(const WriteMultipleCoils& request,
                                       std::span<const std::uint8_t> pdu) {
  const auto quantity = static_cast<std::uint16_t>(request.values.size());
  return decode_write_echo(WriteMultipleCoils::function, request.address, quantity, quantity, pdu);
}

}  // namespace iotgw::drivers::modbus::pdu
