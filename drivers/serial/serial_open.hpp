// Opening a serial line for the drivers: resolve the configured name, open the
// device non-blocking and exclusively, and apply the bus's line settings, so
// that Asio can do all further I/O on the descriptor.
#pragma once

#include <string>

#include "config/config.hpp"
#include "drivers/serial/error.hpp"

namespace iotgw::drivers::serial {

struct OpenedPort {
  int fd = -1;       // owned by the caller
  std::string path;  // the device actually opened
};

// Opens the bus's port with its baud rate (any rate, through termios2), parity,
// data and stop bits, flow control and, when configured, RS-485 mode; or says
// why it could not, for the log.
Result<OpenedPort> open_serial(const config::Bus& bus);

}  // namespace iotgw::drivers::serial
