// Opening a serial line for the drivers: resolve the configured name, open the
// device non-blocking and exclusively, and apply the bus's line settings, so
// that Asio can do all further I/O on the descriptor.
#pragma once

#include <string>

#include "config/config.hpp"

namespace iotgw::drivers::serial {

struct OpenedPort {
  int fd = -1;        // owned by the caller; -1 on failure
  std::string path;   // the device actually opened
  std::string error;  // why it failed, for the log
  int error_number = 0;
};

// Opens the bus's port with its baud rate (any rate, through termios2), parity,
// data and stop bits, flow control and, when configured, RS-485 mode.
OpenedPort open_serial(const config::Bus& bus);

}  // namespace iotgw::drivers::serial
