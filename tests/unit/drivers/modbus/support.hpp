// Test helpers for the Modbus core: hex dumps and a decoded view of frames, so
// a mismatch shows what was on the wire rather than two byte vectors, and the
// specification's example frames that several tests exchange.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>

#include "drivers/modbus/error.hpp"

namespace iotgw::drivers::modbus::test {

// The application protocol spec's 6.3 example as RTU frames: read holding
// registers 108..110 (addresses 107..109) of unit 17, answered 555, 0, 100.
inline const Bytes spec_rtu_request{
    0x11,        // unit id 17
    0x03,        // function: read holding registers
    0x00, 0x6B,  // starting address 107
    0x00, 0x03,  // quantity 3
    0x76, 0x87,  // CRC-16, low byte first
};
inline const Bytes spec_rtu_response{
    0x11,        // unit id 17
    0x03,        // function: read holding registers
    0x06,        // byte count
    0x02, 0x2B,  // 555
    0x00, 0x00,  // 0
    0x00, 0x64,  // 100
    0xC8, 0xBA,  // CRC-16, low byte first
};

inline std::string hex(std::span<const std::uint8_t> bytes) {
  std::string out;
  for (const std::uint8_t byte : bytes) {
    char text[4];
    std::snprintf(text, sizeof text, "%02X ", byte);
    out += text;
  }
  if (!out.empty()) {
    out.pop_back();
  }
  return out;
}

// "unit 17 fn 0x03 data [00 6B 00 03] crc [76 87]" for an RTU frame;
// "tid 1 pid 0 len 6 unit 17 fn 0x03 data [...]" for a TCP frame.
inline std::string describe_frame(std::span<const std::uint8_t> frame, bool tcp) {
  char text[96];
  if (tcp) {
    if (frame.size() < 8) {
      return "short TCP frame [" + hex(frame) + "]";
    }
    std::snprintf(text, sizeof text, "tid %u pid %u len %u unit %u fn 0x%02X data [",
                  (frame[0] << 8) | frame[1], (frame[2] << 8) | frame[3],
                  (frame[4] << 8) | frame[5], frame[6], frame[7]);
    return text + hex(frame.subspan(8)) + "]";
  }
  if (frame.size() < 4) {
    return "short RTU frame [" + hex(frame) + "]";
  }
  std::snprintf(text, sizeof text, "unit %u fn 0x%02X data [", frame[0], frame[1]);
  return text + hex(frame.subspan(2, frame.size() - 4)) + "] crc [" +
         hex(frame.subspan(frame.size() - 2)) + "]";
}

}  // namespace iotgw::drivers::modbus::test
