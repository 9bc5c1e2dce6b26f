#include "drivers/modbus/pdu/write_multiple_coils.hpp"

#include <string>

namespace iotgw::drivers::modbus::pdu {

Result<Bytes> encode_request(const WriteMultipleCoils& request) {
  const std::size_t quantity = request.values.size();
  if (quantity < 1 || quantity > max_write_coils) {
    return Error{Errc::invalid_request, 0,
                 "quantity " + std::to_string(quantity) + " outside 1..1968 coils"};
  }
  if (auto error = check_address_range(request.address, quantity)) {
    return *error;
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
