// Any request of the function codes the gateway uses, and the generic
// encode/decode/length functions that dispatch to the per-function files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>

#include "drivers/modbus/pdu/common.hpp"
#include "drivers/modbus/pdu/mask_write_register.hpp"
#include "drivers/modbus/pdu/read_coils.hpp"
#include "drivers/modbus/pdu/read_discrete_inputs.hpp"
#include "drivers/modbus/pdu/read_holding_registers.hpp"
#include "drivers/modbus/pdu/read_input_registers.hpp"
#include "drivers/modbus/pdu/write_multiple_coils.hpp"
#include "drivers/modbus/pdu/write_multiple_registers.hpp"
#include "drivers/modbus/pdu/write_single_coil.hpp"
#include "drivers/modbus/pdu/write_single_register.hpp"

namespace iotgw::drivers::modbus::pdu {

using Request = std::variant<ReadCoils, ReadDiscreteInputs, ReadHoldingRegisters,
                             ReadInputRegisters, WriteSingleCoil, WriteSingleRegister,
                             WriteMultipleCoils, WriteMultipleRegisters, MaskWriteRegister>;

using Response = std::variant<BitsRead, RegistersRead, WriteConfirmed>;

std::uint8_t function_code(const Request& request);
bool is_write(const Request& request);

// The request PDU, or invalid_request when a quantity or address range breaks the spec's limits.
Result<Bytes> encode_request(const Request& request);

// The response PDU decoded and checked against the request that was sent.
Result<Response> decode_response(const Request& request, std::span<const std::uint8_t> pdu);

// Where a response PDU ends, judged from its first bytes: the function byte,
// then the byte count (functions 1-4) or a fixed length (writes: 5, mask
// write: 7, exceptions: 2).
struct PduLength {
  enum class Kind { need_more, complete, unknown_function } kind = Kind::need_more;
  std::size_t bytes = 0;  // need_more: at least this many in total; complete: the PDU length
};
PduLength response_pdu_length(std::span<const std::uint8_t> prefix);

// "read_holding_registers address=107 quantity=3", for logs and test failure messages.
std::string describe(const Request& request);

}  // namespace iotgw::drivers::modbus::pdu
