// Serial line settings applied with ioctls. Each returns 0 or an errno value.
#pragma once

#include "config/config.hpp"

namespace iotgw::drivers::serial {

int apply_line_settings(int fd, const config::Bus& bus);
int apply_rs485(int fd, const config::Rs485& rs485);
// Drops bytes received but not read and bytes written but not sent.
int discard_buffers(int fd);

}  // namespace iotgw::drivers::serial
