// Logging to stderr through spdlog: with syslog priority prefixes ("<6>") when
// stderr is connected to the systemd journal, human timestamps otherwise.
#pragma once

#include "config/config.hpp"

namespace iotgw::gateway {

// Installs the default logger. Safe to call again to change the level.
void setup_logging(config::LogLevel level);

}  // namespace iotgw::gateway
