// Event: the byte stream cannot be resynchronised (a TCP peer sent an
// impossible MBAP header); close the connection and open a fresh one.
#pragma once

#include <string>

namespace iotgw::drivers::modbus::event {

struct ResetTransport {
  std::string reason;
};

}  // namespace iotgw::drivers::modbus::event
