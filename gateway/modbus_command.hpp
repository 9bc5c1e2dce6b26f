// iotgw modbus read|write: one request against a port or host, without a
// configuration file, for checking wiring and addresses (like mbpoll); iotgw
// modbus scan: which unit ids answer on a bus just wired.
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
  std::string units = "1-247";      // scan only: "A-B", "N" or a comma-separated list of them
};

struct ModbusCommands {
  CLI::App* read = nullptr;
  CLI::App* write = nullptr;
  CLI::App* scan = nullptr;

  bool any_parsed() const { return read->parsed() || write->parsed() || scan->parsed(); }
};

// Adds "modbus read", "modbus write" and "modbus scan" to app, filling options.
ModbusCommands add_modbus_commands(CLI::App& app, ModbusCommandOptions& options);

// Runs the parsed subcommand; exit status 0 on success (a scan: some unit
// answered), 1 with a message on stderr otherwise.
int modbus_command(const ModbusCommandOptions& options, const ModbusCommands& commands);

}  // namespace iotgw::gateway
