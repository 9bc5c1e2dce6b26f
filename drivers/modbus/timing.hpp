// Serial line timing (Modbus over Serial Line v1.02, section 2.5.1.1).
#pragma once

#include <chrono>

#include "config/config.hpp"

namespace iotgw::drivers::modbus {

using Micros = std::chrono::microseconds;

// Bits one character takes on the wire: start, data, parity, stop. Modbus RTU
// characters are 8 data bits, so 11 with parity or two stop bits, 10 otherwise.
int bits_per_character(const config::Bus& bus);

// Time one character takes at the bus's baud rate, rounded up.
Micros character_time(const config::Bus& bus);

// t3.5: the silence that separates RTU frames. Section 2.5.1.1 fixes it at
// 1750 us above 19200 baud, where 3.5 characters would be too short to time.
Micros silent_interval(const config::Bus& bus);

// The quiet time the master keeps before each request: on a serial RTU bus
// t3.5 or the configured frame_gap if that is longer; on TCP transports the
// configured frame_gap (some serial gateways need one), else none.
Micros frame_gap(const config::Bus& bus);

}  // namespace iotgw::drivers::modbus
