// One [[bus]] table read on its own, through every check that a bus in a
// configuration file goes through: for a bus described without a file
// (iotgw modbus, see gateway/modbus_command.cpp).
#pragma once

#include <string>

#include <toml++/toml.h>

#include "config/config.hpp"
#include "config/diagnostic.hpp"

namespace iotgw::config {

// Reads table as a [[bus]] of a configuration file; its problems go to
// diagnostics, named from path ("bus.device[0].unit_id") and worded as for a file.
Bus read_bus_table(const toml::table& table, std::string path, Diagnostics& diagnostics);

}  // namespace iotgw::config
