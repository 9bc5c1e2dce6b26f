// iotgw modbus read|write: one request against a port or host, without a
// configuration file, for checking wiring and addresses (like mbpoll).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "config/config.hpp"

namespace iotgw::gateway {

struct ModbusCommandOptions {
  std::string port;
  std::string host;
  std::string protocol;  // empty: modbus-rtu with a port, modbus-tcp with a host
  unsigned baud = 9600;
  std::string parity = "none";
  int data_bits = 8;
  int stop_bits = 1;
  int unit = 1;
  std::string register_kind = "holding";
  int address = 0;
  int count = 1;
  std::string type;  // empty: bool for coils and discrete inputs, uint16 otherwise
  std::string byte_order = "ABCD";
  std::string timeout = "1s";
  std::vector<std::string> values;  // write only
};

// Adds "modbus read" and "modbus write" to app, filling options.
void add_modbus_commands(CLI::App& app, ModbusCommandOptions& options, CLI::App*& read,
                         CLI::App*& write);

// Runs the parsed subcommand; exit status 0 on success, 1 with a message on stderr otherwise.
int modbus_command(const ModbusCommandOptions& options, bool write);

}  // namespace iotgw::gateway
