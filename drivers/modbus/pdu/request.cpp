#include "drivers/modbus/pdu/request.hpp"

#include <type_traits>

namespace iotgw::drivers::modbus::pdu {
namespace {

struct Describe {
  std::string operator()(const ReadCoils& r) const { return read("read_coils", r); }
  std::string operator()(const ReadDiscreteInputs& r) const {
    return read("read_discrete_inputs", r);
  }
  std::string operator()(const ReadHoldingRegisters& r) const {
    return read("read_holding_registers", r);
  }
  std::string operator()(const ReadInputRegisters& r) const {
    return read("read_input_registers", r);
  }
  std::string operator()(const WriteSingleCoil& r) const {
    return "write_single_coil address=" + std::to_string(r.address) +
           " value=" + (r.value ? "on" : "off");
  }
  std::string operator()(const WriteSingleRegister& r) const {
    return "write_single_register address=" + std::to_string(r.address) +
           " value=" + std::to_string(r.value);
  }
  std::string operator()(const WriteMultipleCoils& r) const {
    return "write_multiple_coils address=" + std::to_string(r.address) +
           " quantity=" + std::to_string(r.values.size());
  }
  std::string operator()(const WriteMultipleRegisters& r) const {
    return "write_multiple_registers address=" + std::to_string(r.address) +
           " quantity=" + std::to_string(r.values.size());
  }
  std::string operator()(const MaskWriteRegister& r) const {
    return "mask_write_register address=" + std::to_string(r.address) +
           " and=" + std::to_string(r.and_mask) + " or=" + std::to_string(r.or_mask);
  }
  static std::string read(const char* name, const auto& r) {
    return std::string{name} + " address=" + std::to_string(r.address) +
           " quantity=" + std::to_string(r.quantity);
  }
};

}  // namespace

std::uint8_t function_code(const Request& request) {
  return std::visit([](const auto& r) { return std::decay_t<decltype(r)>::function; }, request);
}

bool is_write(const Request& request) {
  return std::holds_alternative<WriteSingleCoil>(request) ||
         std::holds_alternative<WriteSingleRegister>(request) ||
         std::holds_alternative<WriteMultipleCoils>(request) ||
         std::holds_alternative<WriteMultipleRegisters>(request) ||
         std::holds_alternative<MaskWriteRegister>(request);
}

Result<Bytes> encode_request(const Request& request) {
  return std::visit([](const auto& r) { return encode_request(r); }, request);
}

Result<Response> decode_response(const Request& request, std::span<const std::uint8_t> pdu) {
  return std::visit(
      [pdu](const auto& r) -> Result<Response> {
        auto decoded = decode_response(r, pdu);
        if (!decoded) {
          return decoded.error();
        }
        return Response{std::move(decoded).value()};
      },
      request);
}

// Lengths from sections 6.1-6.6, 6.11, 6.12, 6.16 (normal responses) and 7 (exceptions).
PduLength response_pdu_length(std::span<const std::uint8_t> prefix) {
  using Kind = PduLength::Kind;
  if (prefix.empty()) {
    return {Kind::need_more, 1};
  }
  const std::uint8_t function = prefix[0];
  switch (function & ~exception_flag) {
    case ReadCoils::function:
    case ReadDiscreteInputs::function:
    case ReadHoldingRegisters::function:
    case ReadInputRegisters::function:
    case WriteSingleCoil::function:
    case WriteSingleRegister::function:
    case WriteMultipleCoils::function:
    case WriteMultipleRegisters::function:
    case MaskWriteRegister::function:
      break;
    default:
      return {Kind::unknown_function, 0};
  }
  if ((function & exception_flag) != 0) {
    return {Kind::complete, 2};  // function, exception code
  }
  if (function <= ReadInputRegisters::function) {
    if (prefix.size() < 2) {
      return {Kind::need_more, 2};
    }
    return {Kind::complete, 2U + prefix[1]};  // function, byte count, data
  }
  if (function == MaskWriteRegister::function) {
    return {Kind::complete, 7};  // function, address, AND mask, OR mask
  }
  return {Kind::complete, 5};  // function, address, value or quantity
}

std::string describe(const Request& request) {
  return std::visit(Describe{}, request);
}

}  // namespace iotgw::drivers::modbus::pdu
