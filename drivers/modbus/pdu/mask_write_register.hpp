// Function 0x16 (Mask Write Register), Modbus Application Protocol v1.1b3
// section 6.16: the device computes (current AND and_mask) OR (or_mask AND
// NOT and_mask) itself, so that one bit of a holding register is written
// without a read in between in which a poll or another master could change
// the other fifteen.
#pragma once

#include <cstdint>
#include <span>

#include "drivers/modbus/pdu/common.hpp"

namespace iotgw::drivers::modbus::pdu {

struct MaskWriteRegister {
  static constexpr std::uint8_t function = 0x16;
  std::uint16_t address = 0;
  std::uint16_t and_mask = 0xFFFF;
  std::uint16_t or_mask = 0;
  bool operator==(const MaskWriteRegister&) const = default;
};

// The request that sets bit `bit` of the register at `address` to `on`.
MaskWriteRegister set_bit(std::uint16_t address, int bit, bool on);

// Request PDU: function, reference address, AND mask, OR mask.
Result<Bytes> encode_request(const MaskWriteRegister& request);
// The response echoes the request exactly (7 bytes).
Result<WriteConfirmed> decode_response(const MaskWriteRegister& request,
                                       std::span<const std::uint8_t> pdu);

}  // namespace iotgw::drivers::modbus::pdu
