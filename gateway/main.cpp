// The iotgw program: the command line of README.md, dispatched to one function
// per subcommand.
#include <map>
#include <string>

#include <CLI/CLI.hpp>

#include "config/names.hpp"
#include "gateway/commands.hpp"
#include "gateway/logging.hpp"
#include "gateway/modbus_command.hpp"
#include "gateway/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"iotgw: polls Modbus and serial sensors and publishes their readings over MQTT"};
  app.set_version_flag("--version", std::string{"iotgw "} + iotgw::gateway::version);
  app.require_subcommand(1);

  std::map<std::string, iotgw::config::LogLevel> levels;
  for (const auto& [name, level] : iotgw::config::log_level_names) {
    levels.emplace(name, level);
  }

  std::string config_file;
  CLI::App* check = app.add_subcommand("check", "Validate a configuration file and summarise it");
  check->add_option("-c,--config", config_file, "The configuration file")->required();

  std::optional<iotgw::config::LogLevel> log_level;
  CLI::App* run = app.add_subcommand("run", "Run the gateway service");
  run->add_option("-c,--config", config_file, "The configuration file")->required();
  run->add_option("--log-level", log_level, "Overrides gateway.log_level")
      ->transform(CLI::CheckedTransformer(levels));

  std::string status_file = "/etc/iotgw/iotgw.toml";
  CLI::App* status = app.add_subcommand(
      "status", "Print the running gateway's state, read from its HTTP endpoint");
  status->add_option("-c,--config", status_file, "The configuration file")->capture_default_str();

  CLI::App* ports = app.add_subcommand(
      "ports", "List serial ports with the names a configuration can use for them");

  iotgw::gateway::ModbusCommandOptions modbus_options;
  const iotgw::gateway::ModbusCommands modbus =
      iotgw::gateway::add_modbus_commands(app, modbus_options);

  CLI11_PARSE(app, argc, argv);
  // One-shot commands print their results; only trouble goes to the log.
  const bool one_shot = modbus.any_parsed() || ports->parsed() || status->parsed();
  iotgw::gateway::setup_logging(
      log_level.value_or(one_shot ? iotgw::config::LogLevel::warn : iotgw::config::LogLevel::info));
  if (check->parsed()) {
    return iotgw::gateway::check_command(config_file);
  }
  if (status->parsed()) {
    return iotgw::gateway::status_command(status_file);
  }
  if (ports->parsed()) {
    return iotgw::gateway::ports_command();
  }
  if (modbus.any_parsed()) {
    return iotgw::gateway::modbus_command(modbus_options, modbus);
  }
  return iotgw::gateway::run_command(config_file, log_level);
}
