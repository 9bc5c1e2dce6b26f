#include "gateway/modbus_command.hpp"

#include <cstdio>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "config/bus_table.hpp"
#include "config/names.hpp"
#include "drivers/line/line_parser.hpp"
#include "drivers/modbus/io/modbus_bus.hpp"
#include "drivers/modbus/value.hpp"

namespace iotgw::gateway {
namespace {

using config::RegisterKind;

template <class E, std::size_t N>
std::optional<E> lookup(const config::NameTable<E, N>& table, const std::string& name) {
  for (const auto& [text, value] : table) {
    if (text == name) {
      return value;
    }
  }
  return std::nullopt;
}

template <class E, std::size_t N>
std::vector<std::string> names(const config::NameTable<E, N>& table) {
  std::vector<std::string> result;
  for (const auto& entry : table) {
    result.emplace_back(entry.first);
  }
  return result;
}

// A refusal of the command line, before anything is sent.
drivers::modbus::Error invalid(std::string why) {
  return drivers::modbus::make_error(drivers::modbus::Errc::invalid_request, std::move(why));
}

// The protocol named by --protocol, else the one --port or --host implies.
std::string protocol_of(const ModbusCommandOptions& options) {
  if (!options.protocol.empty()) {
    return options.protocol;
  }
  return options.port.empty() ? "modbus-tcp" : "modbus-rtu";
}

bool is_serial(const std::string& protocol) {
  config::Bus bus;
  bus.protocol = *lookup(config::protocol_names, protocol);
  return bus.is_serial();
}

// What the command refuses for its own sake, before config judges the bus.
drivers::modbus::Result<> check_options(const ModbusCommandOptions& options,
                                        const std::string& protocol) {
  const bool serial = is_serial(protocol);
  if (serial == options.port.empty()) {
    return invalid("protocol " + protocol + " needs " + (serial ? "--port" : "--host"));
  }
  if (options.type == "string") {
    return invalid("strings are not supported here; read the registers as uint16");
  }
  return {};
}

// Registers one value of the requested type takes, to place the next point.
int registers_per_value(const ModbusCommandOptions& options) {
  if (options.type.empty()) {
    return 1;
  }
  config::Point point;
  point.type = *lookup(config::value_type_names, options.type);
  return config::register_count(point);
}

// The one device: count points of the requested type at consecutive
// addresses, all writable for a write.
toml::table device_table(const ModbusCommandOptions& options, bool write) {
  toml::array points;
  const int count = write ? static_cast<int>(options.values.size()) : options.count;
  for (int i = 0, address = options.address; i < count;
       ++i, address += registers_per_value(options)) {
    toml::table point{{"name", std::to_string(address)},
                      {"register", options.register_kind},
                      {"address", address},
                      {"byte_order", options.byte_order},
                      {"writable", write}};
    if (!options.type.empty()) {
      point.insert("type", options.type);
    }
    points.push_back(std::move(point));
  }
  return toml::table{{"name", "device"},
                     {"unit_id", options.unit},
                     {"poll_interval", "24h"},
                     {"point", std::move(points)}};
}

// "1-247", "5", "1,3,10-20": the unit ids, each once, in order; empty when
// the text is none of those.
std::vector<int> parse_units(const std::string& text) {
  std::vector<int> units;
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t comma = std::min(text.find(',', at), text.size());
    const std::string part = text.substr(at, comma - at);
    int first = 0;
    int last = 0;
    char dash = 0;
    char extra = 0;
    const int fields = std::sscanf(part.c_str(), "%d%c%d%c", &first, &dash, &last, &extra);
    if (fields == 1) {
      last = first;
    } else if (fields != 3 || dash != '-') {
      return {};
    }
    if (first < 0 || last > 255 || first > last) {
      return {};
    }
    for (int unit = first; unit <= last; ++unit) {
      units.push_back(unit);
    }
    at = comma + 1;
  }
  std::sort(units.begin(), units.end());
  units.erase(std::unique(units.begin(), units.end()), units.end());
  return units;
}

// One device per unit id scanned, each with the one point asked for: the
// bus polls each once (poll_interval 24h), one request at a time.
toml::array scan_devices(const ModbusCommandOptions& options, const std::vector<int>& units) {
  toml::array devices;
  for (const int unit : units) {
    toml::table point{
        {"name", "probe"}, {"register", options.register_kind}, {"address", options.address}};
    devices.push_back(toml::table{{"name", "unit-" + std::to_string(unit)},
                                  {"unit_id", unit},
                                  {"poll_interval", "24h"},
                                  {"point", toml::array{std::move(point)}}});
  }
  return devices;
}

// The bus the command talks to, as a configuration file would write it.
toml::table bus_table(const ModbusCommandOptions& options, const std::string& protocol) {
  toml::table bus{
      {"name", "cli"}, {"protocol", protocol}, {"timeout", options.timeout}, {"retries", 0}};
  if (is_serial(protocol)) {
    bus.insert("port", options.port);
    bus.insert("baud", static_cast<std::int64_t>(options.baud));
    bus.insert("parity", options.parity);
    bus.insert("data_bits", options.data_bits);
    bus.insert("stop_bits", options.stop_bits);
  } else {
    bus.insert("host", options.host);
  }
  return bus;
}

// The bus and its single device, judged by config's checks of a [[bus]] in a
// file (unit id range, register kinds and types, addresses, timeout), so that
// the command accepts what a configuration accepts; the first problem wins.
drivers::modbus::Result<config::Bus> make_bus(const ModbusCommandOptions& options, bool write,
                                              const std::vector<int>& scanned = {}) {
  const std::string protocol = protocol_of(options);
  if (drivers::modbus::Result<> accepted = check_options(options, protocol); !accepted) {
    return accepted.error();
  }
  toml::table table = bus_table(options, protocol);
  table.insert("device", scanned.empty() ? toml::array{device_table(options, write)}
                                         : scan_devices(options, scanned));
  config::Diagnostics diagnostics("command line");
  config::Bus bus = config::read_bus_table(table, "bus", diagnostics);
  for (const config::Diagnostic& diagnostic : diagnostics.sorted()) {
    if (diagnostic.severity == config::Diagnostic::Severity::error) {
      return invalid(diagnostic.message);
    }
  }
  return bus;
}

// The request that writes every value from the command line in one go: the
// single-coil or single-register function for one value that fits, else the
// multiple-coils or multiple-registers function.
drivers::modbus::Result<drivers::modbus::pdu::Request> write_request(
    const config::Device& device, const std::vector<std::string>& texts) {
  namespace pdu = drivers::modbus::pdu;
  std::vector<bool> coils;
  std::vector<std::uint16_t> registers;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const config::Point& point = device.points[i];
    const std::optional<drivers::Value> value = drivers::line::parse_value(point, texts[i]);
    if (!value) {
      return drivers::modbus::make_error(
          drivers::modbus::Errc::invalid_value,
          "\"" + texts[i] + "\" is not a " + std::string(config::name_of(point.type)));
    }
    if (point.register_kind == RegisterKind::coil) {
      coils.push_back(std::get<bool>(*value));
      continue;
    }
    drivers::modbus::Result<std::vector<std::uint16_t>> words =
        drivers::modbus::encode_registers(point, *value);
    if (!words) {
      return words.error();
    }
    registers.insert(registers.end(), words->begin(), words->end());
  }
  const std::uint16_t address = device.points.front().address;
  if (device.points.front().register_kind == RegisterKind::coil) {
    if (coils.size() == 1) {
      return pdu::Request{pdu::WriteSingleCoil{address, coils[0]}};
    }
    return pdu::Request{pdu::WriteMultipleCoils{address, coils}};
  }
  if (registers.size() == 1) {
    return pdu::Request{pdu::WriteSingleRegister{address, registers[0]}};
  }
  return pdu::Request{pdu::WriteMultipleRegisters{address, registers}};
}

// Runs the io_context until done or the deadline.
template <class Condition>
bool run_until(boost::asio::io_context& io, Condition done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_one_until(deadline);
  }
  return done();
}

// The command's bus on its own io_context, started until destroyed, with the
// readings it reports.
class CommandBus {
 public:
  explicit CommandBus(const config::Bus& config)
      : config_(config), bus_(io_.get_executor(), config, [this](const drivers::Reading& reading) {
          readings_.push_back(reading);
        }) {
    bus_.start();
  }
  CommandBus(const CommandBus&) = delete;
  CommandBus& operator=(const CommandBus&) = delete;
  ~CommandBus() {
    bus_.stop();
    io_.run_for(std::chrono::milliseconds(50));
  }

  // Runs until done or the limit: connecting may take the TCP connect
  // timeout, then a request and its timeout per device.
  template <class Condition>
  bool run_until(Condition done) {
    const auto requests = static_cast<int>(config_.devices.size());
    return gateway::run_until(
        io_, done,
        std::chrono::seconds(10) + requests * (config_.timeout + std::chrono::milliseconds(100)));
  }

  bool port_down() const {
    return !readings_.empty() &&
           readings_.front().quality.kind == drivers::Quality::Kind::port_down;
  }

  const config::Device& device() const { return config_.devices.front(); }
  const config::Bus& config() const { return config_; }
  const std::vector<drivers::Reading>& readings() const { return readings_; }
  drivers::modbus::io::ModbusBus& bus() { return bus_; }

 private:
  const config::Bus& config_;
  boost::asio::io_context io_;
  std::vector<drivers::Reading> readings_;
  drivers::modbus::io::ModbusBus bus_;
};

// Polls the device once and prints a line per value; 0 when all were good.
int read_values(CommandBus& bus, const std::string& register_kind) {
  const std::size_t expected = bus.device().points.size();
  bus.run_until([&] { return bus.readings().size() >= expected || bus.port_down(); });
  const std::vector<drivers::Reading>& readings = bus.readings();
  for (const drivers::Reading& reading : readings) {
    const std::string shown = reading.value ? drivers::modbus::to_string(*reading.value)
                                            : "error: " + drivers::to_string(reading.quality);
    std::printf("%s %s (%s): %s\n", register_kind.c_str(), reading.point->name.c_str(),
                std::string(config::name_of(reading.point->type)).c_str(), shown.c_str());
  }
  if (readings.empty()) {
    std::fprintf(stderr, "modbus: no answer\n");
  }
  const bool all_good = readings.size() == expected &&
                        std::all_of(readings.begin(), readings.end(),
                                    [](const auto& reading) { return reading.quality.is_good(); });
  return all_good ? 0 : 1;
}

// Sends the request once the port is open; 0 when the device confirmed it.
int write_values(CommandBus& bus, const drivers::modbus::pdu::Request& request) {
  if (!bus.run_until([&] { return bus.bus().connected() || bus.port_down(); }) ||
      !bus.bus().connected()) {
    std::fprintf(stderr, "modbus: cannot open the port\n");
    return 1;
  }
  std::optional<drivers::modbus::Result<>> outcome;
  bus.bus().write_request(0, request,
                          [&](const drivers::modbus::Result<>& written) { outcome = written; });
  bus.run_until([&] { return outcome.has_value(); });
  if (outcome && *outcome) {
    std::printf("ok: %s\n", drivers::modbus::pdu::describe(request).c_str());
    return 0;
  }
  std::fprintf(stderr, "modbus: %s\n", outcome ? outcome->error().message().c_str() : "no answer");
  return 1;
}

// Polls every unit once and prints those that answered, with the exception
// code of those that answered with one; 0 when any answered.
int scan_units(CommandBus& bus) {
  const std::size_t expected = bus.config().devices.size();
  const auto started = std::chrono::steady_clock::now();
  bus.run_until([&] { return bus.readings().size() >= expected || bus.port_down(); });
  if (bus.port_down()) {
    std::fprintf(stderr, "modbus: cannot open the port\n");
    return 1;
  }
  std::size_t answered = 0;
  for (const drivers::Reading& reading : bus.readings()) {
    using Kind = drivers::Quality::Kind;
    const Kind kind = reading.quality.kind;
    if (kind == Kind::timeout || kind == Kind::port_down) {
      continue;
    }
    ++answered;
    std::printf("unit %d: %s\n", reading.device->unit_id,
                reading.value ? ("answers, " + drivers::modbus::to_string(*reading.value)).c_str()
                              : drivers::to_string(reading.quality).c_str());
  }
  std::printf("%zu of %zu units answered (%.1f s)\n", answered, expected,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return answered > 0 ? 0 : 1;
}

}  // namespace

ModbusCommands add_modbus_commands(CLI::App& app, ModbusCommandOptions& options) {
  CLI::App* modbus = app.add_subcommand("modbus", "One Modbus request, without a configuration");
  modbus->require_subcommand(1);
  ModbusCommands commands;
  commands.read = modbus->add_subcommand("read", "Read registers or bits and print their values");
  commands.write = modbus->add_subcommand("write", "Write registers or coils");
  commands.scan = modbus->add_subcommand(
      "scan", "Ask each unit id for one register and print those that answer");
  for (CLI::App* command : {commands.read, commands.write, commands.scan}) {
    const bool scan = command == commands.scan;
    auto* port = command->add_option("--port", options.port, "Serial port, e.g. /dev/ttyUSB0");
    auto* host = command->add_option("--host", options.host, "Modbus TCP server, HOST[:PORT]");
    port->excludes(host);
    command
        ->add_option("--protocol", options.protocol,
                     "Default: modbus-rtu with --port, modbus-tcp with --host")
        ->check(CLI::IsMember(names(config::protocol_names)));
    command->add_option("--baud", options.baud, "Serial baud rate")->capture_default_str();
    command->add_option("--parity", options.parity)
        ->check(CLI::IsMember(names(config::parity_names)))
        ->capture_default_str();
    command->add_option("--data-bits", options.data_bits)
        ->check(CLI::Range(5, 8))
        ->capture_default_str();
    command->add_option("--stop-bits", options.stop_bits)
        ->check(CLI::Range(1, 2))
        ->capture_default_str();
    if (scan) {
      command->add_option("--units", options.units, "Unit ids: A-B, N, or a list of them")
          ->capture_default_str();
    } else {
      command->add_option("--unit", options.unit, "Unit id")
          ->check(CLI::Range(0, 255))
          ->capture_default_str();
    }
    command->add_option("--register", options.register_kind)
        ->check(CLI::IsMember(names(config::register_kind_names)))
        ->capture_default_str();
    CLI::Option* address =
        command->add_option("--address", options.address, "0-based protocol address")
            ->check(CLI::Range(0, 65535));
    if (scan) {
      address->capture_default_str();
      // A scan asks many units, most of them absent: a short wait for each.
      command->add_option("--timeout", options.timeout, "Response timeout per unit (30ms)");
      continue;
    }
    address->required();
    command->add_option("--type", options.type, "Default: bool for coil and discrete, else uint16")
        ->check(CLI::IsMember(names(config::value_type_names)));
    command->add_option("--byte-order", options.byte_order)
        ->check(CLI::IsMember(names(config::byte_order_names)))
        ->capture_default_str();
    command->add_option("--timeout", options.timeout, "Response timeout")->capture_default_str();
  }
  commands.read->add_option("--count", options.count, "Values to read")
      ->check(CLI::Range(1, 125))
      ->capture_default_str();
  commands.write->add_option("--value", options.values, "Value(s) to write, comma-separated")
      ->required()
      ->delimiter(',');
  return commands;
}

int modbus_command(const ModbusCommandOptions& given, const ModbusCommands& commands) {
  ModbusCommandOptions options = given;
  if (options.port.empty() && options.host.empty()) {
    std::fprintf(stderr, "modbus: give --port or --host\n");
    return 1;
  }
  if (commands.scan->parsed()) {
    if (commands.scan->get_option("--timeout")->count() == 0) {
      options.timeout = "30ms";
    }
    const std::vector<int> units = parse_units(options.units);
    if (units.empty()) {
      std::fprintf(stderr, "modbus: --units %s: give A-B, N or a comma-separated list, 0-255\n",
                   options.units.c_str());
      return 1;
    }
    const drivers::modbus::Result<config::Bus> made = make_bus(options, false, units);
    if (!made) {
      std::fprintf(stderr, "modbus: %s\n", made.error().detail.c_str());
      return 1;
    }
    CommandBus bus(*made);
    return scan_units(bus);
  }
  const bool write = commands.write->parsed();
  const drivers::modbus::Result<config::Bus> made = make_bus(options, write);
  if (!made) {
    std::fprintf(stderr, "modbus: %s\n", made.error().detail.c_str());
    return 1;
  }
  if (!write) {
    CommandBus bus(*made);
    return read_values(bus, options.register_kind);
  }
  const drivers::modbus::Result<drivers::modbus::pdu::Request> request =
      write_request(made->devices.front(), options.values);
  if (!request) {
    std::fprintf(stderr, "modbus: %s\n", request.error().message().c_str());
    return 1;
  }
  CommandBus bus(*made);
  return write_values(bus, *request);
}

}  // namespace iotgw::gateway
