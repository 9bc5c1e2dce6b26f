#include "gateway/modbus_command.hpp"

#include <cstdio>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "config/names.hpp"
#include "config/units.hpp"
#include "drivers/line/line_parser.hpp"
#include "drivers/modbus/io/modbus_bus.hpp"
#include "drivers/modbus/value.hpp"

namespace iotgw::gateway {
namespace {

using config::RegisterKind;
using config::ValueType;

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

// The bus and its single device that the command talks to; count points of the
// requested type at consecutive addresses, all writable for a write.
config::Bus make_bus(const ModbusCommandOptions& options, bool write, std::string& error) {
  config::Bus bus;
  bus.name = "cli";
  const std::string protocol = !options.protocol.empty()
                                   ? options.protocol
                                   : (options.port.empty() ? "modbus-tcp" : "modbus-rtu");
  bus.protocol = *lookup(config::protocol_names, protocol);
  bus.port = options.port;
  if (!options.host.empty()) {
    const std::size_t colon = options.host.rfind(':');
    bus.host = options.host.substr(0, colon);
    if (colon != std::string::npos) {
      bus.tcp_port = static_cast<std::uint16_t>(std::stoi(options.host.substr(colon + 1)));
    }
  }
  if (bus.is_serial() == options.port.empty()) {
    error = "protocol " + protocol + " needs " + (bus.is_serial() ? "--port" : "--host");
  }
  bus.baud = options.baud;
  bus.parity = *lookup(config::parity_names, options.parity);
  bus.data_bits = options.data_bits;
  bus.stop_bits = options.stop_bits;
  bus.timeout = config::parse_duration(options.timeout).value_or(std::chrono::seconds(1));
  bus.retries = 0;

  config::Device device;
  device.name = "device";
  device.unit_id = options.unit;
  device.poll_interval = std::chrono::hours(24);
  const RegisterKind kind = *lookup(config::register_kind_names, options.register_kind);
  const bool bits = kind == RegisterKind::coil || kind == RegisterKind::discrete;
  const ValueType type = options.type.empty() ? (bits ? ValueType::boolean : ValueType::uint16)
                                              : *lookup(config::value_type_names, options.type);
  if (bits && type != ValueType::boolean) {
    error = options.register_kind + " holds bits; use --type bool";
  }
  if (write && (kind == RegisterKind::input || kind == RegisterKind::discrete)) {
    error = options.register_kind + " registers are read-only; write holding or coil";
  }
  if (type == ValueType::string) {
    error = "strings are not supported here; read the registers as uint16";
  }
  const int count = write ? static_cast<int>(options.values.size()) : options.count;
  int address = options.address;
  for (int i = 0; i < count; ++i) {
    config::Point point;
    point.name = std::to_string(address);
    point.register_kind = kind;
    point.address = static_cast<std::uint16_t>(address);
    point.type = type;
    point.byte_order = *lookup(config::byte_order_names, options.byte_order);
    point.writable = write;
    address += config::register_count(point);
    device.points.push_back(point);
  }
  if (address - 1 > 65535) {
    error = "the values run past address 65535";
  }
  bus.devices.push_back(std::move(device));
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
      return drivers::modbus::Error{
          drivers::modbus::Errc::invalid_value, 0,
          "\"" + texts[i] + "\" is not a " + std::string(config::name_of(point.type))};
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

}  // namespace

void add_modbus_commands(CLI::App& app, ModbusCommandOptions& options, CLI::App*& read,
                         CLI::App*& write) {
  CLI::App* modbus = app.add_subcommand("modbus", "One Modbus request, without a configuration");
  modbus->require_subcommand(1);
  read = modbus->add_subcommand("read", "Read registers or bits and print their values");
  write = modbus->add_subcommand("write", "Write registers or coils");
  for (CLI::App* command : {read, write}) {
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
    command->add_option("--unit", options.unit, "Unit id")
        ->check(CLI::Range(0, 255))
        ->capture_default_str();
    command->add_option("--register", options.register_kind)
        ->check(CLI::IsMember(names(config::register_kind_names)))
        ->capture_default_str();
    command->add_option("--address", options.address, "0-based protocol address")
        ->required()
        ->check(CLI::Range(0, 65535));
    command->add_option("--type", options.type, "Default: bool for coil and discrete, else uint16")
        ->check(CLI::IsMember(names(config::value_type_names)));
    command->add_option("--byte-order", options.byte_order)
        ->check(CLI::IsMember(names(config::byte_order_names)))
        ->capture_default_str();
    command->add_option("--timeout", options.timeout, "Response timeout")->capture_default_str();
  }
  read->add_option("--count", options.count, "Values to read")
      ->check(CLI::Range(1, 125))
      ->capture_default_str();
  write->add_option("--value", options.values, "Value(s) to write, comma-separated")
      ->required()
      ->delimiter(',');
}

int modbus_command(const ModbusCommandOptions& options, bool write) {
  if (options.port.empty() && options.host.empty()) {
    std::fprintf(stderr, "modbus: give --port or --host\n");
    return 1;
  }
  std::string error;
  const config::Bus bus_config = make_bus(options, write, error);
  if (!error.empty()) {
    std::fprintf(stderr, "modbus: %s\n", error.c_str());
    return 1;
  }
  const config::Device& device = bus_config.devices.front();
  std::optional<drivers::modbus::pdu::Request> request;
  if (write) {
    drivers::modbus::Result<drivers::modbus::pdu::Request> encoded =
        write_request(device, options.values);
    if (!encoded) {
      std::fprintf(stderr, "modbus: %s\n", encoded.error().message().c_str());
      return 1;
    }
    request = std::move(*encoded);
  }

  boost::asio::io_context io;
  std::vector<drivers::Reading> readings;
  drivers::modbus::io::ModbusBus bus(
      io.get_executor(), bus_config,
      [&](const drivers::Reading& reading) { readings.push_back(reading); });
  bus.start();
  // Connecting may take the TCP connect timeout; then one request and its timeout.
  const std::chrono::milliseconds limit = std::chrono::seconds(10) + bus_config.timeout;
  const auto port_down = [&] {
    return !readings.empty() && readings.front().quality.kind == drivers::Quality::Kind::port_down;
  };
  int status = 1;
  if (!write) {
    run_until(
        io, [&] { return readings.size() >= device.points.size() || port_down(); }, limit);
    for (const drivers::Reading& reading : readings) {
      const std::string shown = reading.value ? drivers::modbus::to_string(*reading.value)
                                              : "error: " + drivers::to_string(reading.quality);
      std::printf("%s %s (%s): %s\n", options.register_kind.c_str(), reading.point->name.c_str(),
                  std::string(config::name_of(reading.point->type)).c_str(), shown.c_str());
    }
    const bool all_good = readings.size() == device.points.size() &&
                          std::all_of(readings.begin(), readings.end(), [](const auto& reading) {
                            return reading.quality.is_good();
                          });
    status = all_good ? 0 : 1;
    if (readings.empty()) {
      std::fprintf(stderr, "modbus: no answer\n");
    }
  } else if (run_until(
                 io, [&] { return bus.connected() || port_down(); }, limit) &&
             bus.connected()) {
    std::optional<drivers::modbus::Result<>> outcome;
    bus.write_request(0, *request,
                      [&](const drivers::modbus::Result<>& written) { outcome = written; });
    run_until(
        io, [&] { return outcome.has_value(); }, limit);
    if (outcome && *outcome) {
      std::printf("ok: %s\n", drivers::modbus::pdu::describe(*request).c_str());
      status = 0;
    } else {
      std::fprintf(stderr, "modbus: %s\n",
                   outcome ? outcome->error().message().c_str() : "no answer");
    }
  } else {
    std::fprintf(stderr, "modbus: cannot open the port\n");
  }
  bus.stop();
  io.run_for(std::chrono::milliseconds(50));
  return status;
}

}  // namespace iotgw::gateway
