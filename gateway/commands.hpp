// The subcommands of the iotgw program, one function each.
#pragma once

#include <filesystem>
#include <optional>

#include "config/config.hpp"

namespace iotgw::gateway {

// Loads a configuration, printing every diagnostic to stderr; empty on errors.
std::optional<config::Config> load_and_report(const std::filesystem::path& file);

// iotgw check: validate and print a summary; exit status 0 or 1.
int check_command(const std::filesystem::path& file);

// iotgw ports: the serial ports and the stable names config accepts for them.
int ports_command();

// iotgw status: the running gateway's state from its HTTP endpoint; exit
// status 0 healthy, 1 not healthy, 2 not reachable.
int status_command(const std::filesystem::path& file);

// iotgw run: the service, until SIGTERM or SIGINT.
int run_command(const std::filesystem::path& file, std::optional<config::LogLevel> log_level);

}  // namespace iotgw::gateway
