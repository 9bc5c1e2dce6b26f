// Typed values of points: raw registers (or bits) to engineering values by the
// point's type, byte order, bit, scale and offset, and back for writes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "drivers/modbus/error.hpp"
#include "drivers/modbus/pdu/request.hpp"

namespace iotgw::drivers::modbus {

// A point's value as the gateway publishes it. Integers stay integers while the
// scale is 1 and the offset 0; a scaled value or a float is a double.
using Value = std::variant<bool, std::int64_t, std::uint64_t, double, std::string>;

// Decodes the registers a point occupies (config::register_count of them, as
// received: each word big-endian on the wire) into its engineering value.
Result<Value> decode_registers(const config::Point& point,
                               std::span<const std::uint16_t> registers);

// Encodes an engineering value into the registers to write: the inverse of
// decode_registers, rounding to the nearest integer for integer types and
// refusing values that do not fit the type.
Result<std::vector<std::uint16_t>> encode_registers(const config::Point& point, const Value& value);

// The request that writes `value` to a writable point: write single coil for a
// coil, write single register for one register, write multiple registers else.
// Refuses points not declared writable, values outside [min, max], and bits
// inside a register (those need a read-modify-write the caller must do).
Result<pdu::Request> write_request(const config::Point& point, const Value& value);

// "23.5", "true", "\"text\"": for logs and test messages.
std::string to_string(const Value& value);

}  // namespace iotgw::drivers::modbus
