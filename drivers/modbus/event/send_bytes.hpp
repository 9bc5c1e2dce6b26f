// Event: write these bytes to the transport, as one unit (one RTU frame or one MBAP frame).
#pragma once

#include "drivers/modbus/error.hpp"

namespace iotgw::modbus::event {

struct SendBytes {
  Bytes bytes;
};

}  // namespace iotgw::modbus::event
