#include "drivers/modbus/pdu/mask_write_register.hpp"

#include <string>

namespace iotgw::drivers::modbus::pdu {

MaskWriteRegister set_bit(std::uint16_t address, int bit, bool on) {
  const auto mask = static_cast<std::uint16_t>(1U << bit);
  return {.address = address,
          .and_mask = static_cast<std::uint16_t>(~mask),
          .or_mask = on ? mask : std::uint16_t{0}};
}

Result<Bytes> encode_request(const MaskWriteRegister& request) {
  Bytes out{MaskWriteRegister::function};
  put_u16(out, request.address);
  put_u16(out, request.and_mask);
  put_u16(out, request.or_mask);
  return out;
}

Result<WriteConfirmed> decode_response(const MaskWriteRegister& request,
                                       std::span<const std::uint8_t> pdu) {
  if (Result<> answered = check_function(MaskWriteRegister::function, pdu); !answered) {
    return answered.error();
  }
  if (pdu.size() != 7) {
    return make_error(Errc::malformed_response,
                      "mask write response of " + std::to_string(pdu.size()) + " bytes, not 7");
  }
  if (get_u16(pdu, 1) != request.address || get_u16(pdu, 3) != request.and_mask ||
      get_u16(pdu, 5) != request.or_mask) {
    return make_error(Errc::echo_mismatch, "the mask write response does not echo the request");
  }
  return WriteConfirmed{request.address, 1};
}

}  // namespace iotgw::drivers::modbus::pdu
