// Event: write these bytes to the transport, as one unit (one RTU frame or one MBAP frame).
#pragma once

#include "drivers/modbus/error.hpp"

namespace iotgw::drivers::modbus::event {

struct SendBytes {
  Bytes bytes;
};

}  // namespace iotgw::drivers::modbus::event
