// Readers for [[bus]], [[bus.device]] and [[bus.device.point]], with the checks
// that span several of them: unique names, overlapping writable points,
// registers past the end of the address space, pattern groups.
#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>

#include "config/bus_table.hpp"
#include "config/file_checks.hpp"
#include "config/names.hpp"
#include "config/readers.hpp"
#include "config/units.hpp"

namespace iotgw::config {
namespace {

// Keys that only serial buses understand, refused on network buses.
constexpr std::array<std::string_view, 10> serial_keys{"baud",
                                                       "parity",
                                                       "data_bits",
                                                       "stop_bits",
                                                       "flow_control",
                                                       "rs485",
                                                       "rs485_rts_on_send",
                                                       "rs485_rts_after_send",
                                                       "rs485_delay_before_send",
                                                       "rs485_delay_after_send"};

// Keys that only Modbus buses, devices and points understand, refused on line buses.
constexpr std::array<std::string_view, 1> modbus_bus_keys{"frame_gap"};
constexpr std::array<std::string_view, 3> modbus_device_keys{"unit_id", "max_gap", "max_registers"};
constexpr std::array<std::string_view, 7> modbus_point_keys{
    "register", "address", "byte_order", "bit", "bit_write", "length", "writable"};

// Remembers where each name was first defined, to report duplicates.
class NameRegistry {
 public:
  explicit NameRegistry(std::string what) : what_(std::move(what)) {}

  void add(TableReader& reader, const std::string& name) {
    if (name.empty()) {
      return;
    }
    const Place where = reader.place("name");
    const auto [first, inserted] = first_.emplace(name, where);
    if (!inserted) {
      reader.error_at("name", reader.key_path("name") + ": duplicate " + what_ + " name \"" + name +
                                  "\" (first defined on line " +
                                  std::to_string(first->second.line) + ")");
    }
  }

 private:
  std::string what_;
  std::map<std::string, Place> first_;
};

// A Modbus point: where it lives, how it is encoded, and whether it may be written.
void read_modbus_point(TableReader& reader, Point& point) {
  reader.require("address");
  reader.read("address", point.address, 0, 65535);
  reader.read_choice<RegisterKind>("register", point.register_kind, register_kind_names);
  const bool bit_table =
      point.register_kind == RegisterKind::coil || point.register_kind == RegisterKind::discrete;
  point.type = bit_table ? ValueType::boolean : ValueType::uint16;
  reader.read_choice<ValueType>("type", point.type, value_type_names);
  reader.read_choice<ByteOrder>("byte_order", point.byte_order, byte_order_names);
  if (reader.has("bit")) {
    int bit = 0;
    reader.read("bit", bit, 0, 15);
    point.bit = bit;
  }
  reader.read("length", point.length, 1, 250);
  reader.read("writable", point.writable);
  reader.read_choice<BitWrite>("bit_write", point.bit_write, bit_write_names);
  if (reader.has("bit_write") &&
      !(point.writable && point.bit && point.register_kind == RegisterKind::holding)) {
    reader.error_at("bit_write", reader.key_path("bit_write") +
                                     ": applies to a writable bool point with bit on a holding "
                                     "register; remove it");
  }

  if (bit_table && point.type != ValueType::boolean) {
    reader.error_at("type", reader.key_path("type") + ": a " +
                                std::string(name_of(point.register_kind)) +
                                " holds single bits; use type = \"bool\" or a holding register");
  }
  if (point.bit && (bit_table || point.type != ValueType::boolean)) {
    reader.error_at("bit", reader.key_path("bit") +
                               ": bit picks one bit of a holding or input register for a "
                               "bool point; remove it or set type = \"bool\"");
  }
  if (point.type == ValueType::string && point.length == 0) {
    reader.error_at("type", reader.key_path("type") +
                                ": a string point needs length (characters, two per register)");
  }
  if (point.type != ValueType::string && reader.has("length")) {
    reader.error_at("length", reader.key_path("length") + ": only string points have a length");
  }
  if (point.writable && (point.register_kind == RegisterKind::input ||
                         point.register_kind == RegisterKind::discrete)) {
    reader.error_at("writable", reader.key_path("writable") + ": " +
                                    std::string(name_of(point.register_kind)) +
                                    " registers are read-only in Modbus; use holding or coil");
  }
  const int last = point.address + register_count(point) - 1;
  if (last > 65535) {
    reader.error_at("address", reader.key_path("address") + ": " + std::to_string(point.address) +
                                   " plus the " + std::to_string(register_count(point)) +
                                   " registers of this type ends at " + std::to_string(last) +
                                   ", past the last address 65535");
  }
}

// A line point: one capture group of the pattern or one key of key=value pairs.
void read_line_point(TableReader& reader, Point& point) {
  for (std::string_view key : modbus_point_keys) {
    reader.reject(key, "applies to Modbus points only; line buses are read, never written");
  }
  point.type = ValueType::float64;
  reader.read_choice<ValueType>("type", point.type, value_type_names);
  reader.read("key", point.key);
  if (point.key.empty()) {
    point.key = point.name;
  }
}

void read_point(TableReader& reader, Protocol protocol, Point& point) {
  reader.read_required("name", point.name);
  check_name(reader, "name", point.name);
  if (protocol == Protocol::line) {
    read_line_point(reader, point);
  } else {
    reader.reject("key", "applies to line points only");
    read_modbus_point(reader, point);
  }
  reader.read("scale", point.scale);
  reader.read("offset", point.offset);
  reader.read("unit", point.unit);
  reader.read("deadband", point.deadband);
  if (point.deadband < 0) {
    reader.error_at("deadband", reader.key_path("deadband") + ": must not be negative");
  }
  reader.read("heartbeat", point.heartbeat);
  reader.read("min", point.min);
  reader.read("max", point.max);
  if (point.min && point.max && *point.min > *point.max) {
    reader.error_at("max", reader.key_path("max") + ": " + format_number(*point.max) +
                               " is below min " + format_number(*point.min) +
                               "; writes must fit in [min, max], so make max at least min");
  }
  if (point.scale == 0) {
    reader.error_at("scale", reader.key_path("scale") + ": must not be 0");
  }
  reader.finish();
}

// Two writable points over one register would let a command for one change
// the other; two bits of one holding register are written each on its own.
void check_writable_overlap(const std::vector<TableReader>& readers,
                            const std::vector<Point>& points) {
  for (std::size_t later = 0; later < points.size(); ++later) {
    const Point& b = points[later];
    for (std::size_t earlier = 0; earlier < later; ++earlier) {
      const Point& a = points[earlier];
      if (!a.writable || !b.writable || a.register_kind != b.register_kind ||
          (a.bit && b.bit && *a.bit != *b.bit)) {
        continue;
      }
      const int a_end = a.address + register_count(a);
      const int b_end = b.address + register_count(b);
      if (a.address < b_end && b.address < a_end) {
        readers[later].error_at(
            "address", readers[later].key_path("address") + ": writable point \"" + b.name +
                           "\" overlaps writable point \"" + a.name + "\" on " +
                           std::string(name_of(a.register_kind)) + " " + std::to_string(a.address) +
                           "; two writable points cannot share a register");
      }
    }
  }
}

// Repetition counts in a pattern ("x{3}", "x{2,40}") above this are refused
// before std::regex sees them: its compiler multiplies long digit runs into a
// signed integer without checking, undefined behaviour the fuzzer found.
constexpr std::size_t max_repetition_digits = 4;

// Whether a run of more than max_repetition_digits digits follows a '{'.
bool has_huge_repetition(std::string_view pattern) {
  std::size_t digits = 0;
  bool in_braces = false;
  for (const char c : pattern) {
    if (c == '{') {
      in_braces = true;
      digits = 0;
    } else if (in_braces && c >= '0' && c <= '9') {
      if (++digits > max_repetition_digits) {
        return true;
      }
    } else if (c == ',') {
      digits = 0;
    } else {
      in_braces = false;
    }
  }
  return false;
}

// Patterns longer than this are refused before std::regex sees them: its
// compiler recurses once or more per character, so tens of thousands of '('
// (or of letters) overflow the stack. A line format needs a few dozen.
constexpr std::size_t max_pattern_length = 1024;

// Checks that the pattern compiles and has a capture group for every point.
void check_pattern(TableReader& reader, const Device& device) {
  if (device.pattern.size() > max_pattern_length) {
    reader.error_at("pattern", reader.key_path("pattern") + ": is " +
                                   std::to_string(device.pattern.size()) +
                                   " characters long; a pattern may have at most 1024");
    return;
  }
  if (has_huge_repetition(device.pattern)) {
    reader.error_at("pattern", reader.key_path("pattern") +
                                   ": a repetition count has more than 4 digits; "
                                   "use at most {9999}");
    return;
  }
  try {
    const std::regex regex(device.pattern, std::regex::extended);
    if (regex.mark_count() < device.points.size()) {
      reader.error_at("pattern", reader.key_path("pattern") + ": has " +
                                     std::to_string(regex.mark_count()) + " capture groups for " +
                                     std::to_string(device.points.size()) +
                                     " points; each point takes one group, in order");
    }
  } catch (const std::regex_error& error) {
    reader.error_at("pattern", reader.key_path("pattern") +
                                   ": not a valid POSIX extended "
                                   "regular expression (" +
                                   error.what() + ")");
  }
}

// A polled line device's request is short: one line of an instrument's protocol.
constexpr std::size_t max_request_bytes = 256;

// \r \n \t \\ and \xNN as the bytes they name (TOML's own escapes are
// decoded before this, so "\r" in a basic string arrives as the byte);
// nothing for a malformed escape.
std::optional<std::string> decode_escapes(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (++i == text.size()) {
      return std::nullopt;
    }
    switch (text[i]) {
      case 'r':
        out += '\r';
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case '\\':
        out += '\\';
        break;
      case 'x': {
        if (i + 2 >= text.size()) {
          return std::nullopt;
        }
        const std::string hex(text.substr(i + 1, 2));
        if (!std::isxdigit(static_cast<unsigned char>(hex[0])) ||
            !std::isxdigit(static_cast<unsigned char>(hex[1]))) {
          return std::nullopt;
        }
        out += static_cast<char>(std::stoi(hex, nullptr, 16));
        i += 2;
        break;
      }
      default:
        return std::nullopt;
    }
  }
  return out;
}

void read_device(TableReader& reader, const Bus& bus, Device& device) {
  reader.read_required("name", device.name);
  check_name(reader, "name", device.name);
  if (bus.protocol == Protocol::line) {
    for (std::string_view key : modbus_device_keys) {
      reader.reject(key, "applies to Modbus devices only");
    }
    reader.read("pattern", device.pattern);
    std::string request;
    reader.read("request", request);
    if (reader.has("request")) {
      if (const std::optional<std::string> decoded = decode_escapes(request);
          decoded && !decoded->empty() && decoded->size() <= max_request_bytes) {
        device.request = *decoded;
      } else {
        reader.error_at("request", reader.key_path("request") +
                                       ": a request of 1 to 256 bytes, with \\r, \\n, \\t, "
                                       "\\\\ and \\xNN escapes, e.g. \"#01RD\\r\"");
      }
      reader.read("poll_interval", device.poll_interval, 10ms);
    } else {
      reader.reject("poll_interval",
                    "line devices without a request are read as their lines arrive; add request "
                    "to poll this one");
    }
  } else {
    reader.reject("pattern", "applies to line devices only");
    reader.reject("request", "applies to line devices only");
    // Unit 0 is the broadcast address, which never answers a read.
    const int max_unit = bus.protocol == Protocol::modbus_tcp ? 255 : 247;
    reader.read("unit_id", device.unit_id, bus.protocol == Protocol::modbus_tcp ? 0 : 1, max_unit);
    reader.read("poll_interval", device.poll_interval, 10ms);
    reader.read("max_gap", device.max_gap, 0, 124);
    reader.read("max_registers", device.max_registers, 1, 125);
  }

  NameRegistry point_names("point");
  std::vector<TableReader> point_readers;
  const std::vector<const toml::table*> tables = reader.tables("point");
  // Kept for the whole run: no room for points that never come.
  device.points.reserve(tables.size());
  for (std::size_t i = 0; i < tables.size(); ++i) {
    point_readers.emplace_back(*tables[i], reader.key_path("point") + "[" + std::to_string(i) + "]",
                               reader.diagnostics());
    Point& point = device.points.emplace_back();
    read_point(point_readers.back(), bus.protocol, point);
    point_names.add(point_readers.back(), point.name);
  }
  if (tables.empty()) {
    reader.error_at("name", reader.key_path("name") + ": device \"" + device.name +
                                "\" has no points; add [[bus.device.point]] tables");
  }
  check_writable_overlap(point_readers, device.points);
  if (!device.pattern.empty()) {
    check_pattern(reader, device);
  }
  reader.finish();
}

// Serial buses name a port, network buses a host; the keys of the other kind are refused.
void read_endpoint(TableReader& reader, Bus& bus) {
  const bool serial = bus.is_serial();
  if (reader.has("port") && reader.has("host")) {
    reader.error_at("host", reader.key_path("host") +
                                ": set either port (a serial line) or host (a network "
                                "server), not both");
  } else if (serial && !reader.has("port")) {
    reader.error_here("missing required key \"port\" in " + reader.path() +
                      ": a serial bus needs its port, e.g. \"/dev/ttyUSB0\"");
  } else if (!serial && !reader.has("host")) {
    reader.error_here("missing required key \"host\" in " + reader.path() +
                      ": a network bus needs host = \"address:port\"");
  }
  reader.read("port", bus.port);
  if (!bus.port.empty() && !bus.port.starts_with("usb:")) {
    if (const Check port = serial_port_or_absent(bus.port); !port) {
      reader.error_at("port", reader.key_path("port") + ": " + port.error() +
                                  "; name the port's device, e.g. \"/dev/ttyUSB0\", a "
                                  "/dev/serial/by-id/ path or \"usb:VID:PID\"");
    }
  }
  std::string host;
  reader.read("host", host);
  if (!host.empty()) {
    const std::size_t colon = host.rfind(':');
    const bool bracketed = host.starts_with('[');
    const bool has_port = colon != std::string::npos && (!bracketed || host[colon - 1] == ']');
    bus.host = has_port ? host.substr(0, colon) : host;
    if (bracketed) {
      bus.host = bus.host.substr(1, bus.host.size() - 2);
    }
    if (has_port) {
      int port = 0;
      const std::string digits = host.substr(colon + 1);
      const bool numeric = !digits.empty() && digits.size() <= 5 &&
                           digits.find_first_not_of("0123456789") == std::string::npos;
      port = numeric ? std::stoi(digits) : 0;
      if (port < 1 || port > 65535) {
        reader.error_at("host", reader.key_path("host") + ": \"" + host +
                                    "\" has a bad port; write \"address:port\" with a port from "
                                    "1 to 65535");
      }
      bus.tcp_port = static_cast<std::uint16_t>(port);
    }
  }
}

void read_serial_settings(TableReader& reader, Bus& bus) {
  reader.read("baud", bus.baud, 50, 4'000'000);
  reader.read_choice<Parity>("parity", bus.parity, parity_names);
  reader.read("data_bits", bus.data_bits, 5, 8);
  reader.read("stop_bits", bus.stop_bits, 1, 2);
  reader.read_choice<FlowControl>("flow_control", bus.flow_control, flow_control_names);
  reader.read("rs485", bus.rs485.enabled);
  reader.read("rs485_rts_on_send", bus.rs485.rts_on_send);
  reader.read("rs485_rts_after_send", bus.rs485.rts_after_send);
  reader.read("rs485_delay_before_send", bus.rs485.delay_before_send, 0ms, 1s);
  reader.read("rs485_delay_after_send", bus.rs485.delay_after_send, 0ms, 1s);
}

void read_modbus_settings(TableReader& reader, Bus& bus) {
  reader.read("timeout", bus.timeout, 1ms, 60s);
  reader.read("retries", bus.retries, 0, 10);
  reader.read_auto("frame_gap", bus.frame_gap, 0ms, 10s);
}

void read_bus(TableReader& reader, Bus& bus, NameRegistry& device_names) {
  reader.read_required("name", bus.name);
  check_name(reader, "name", bus.name);
  reader.require("protocol");
  reader.read_choice<Protocol>("protocol", bus.protocol, protocol_names);
  read_endpoint(reader, bus);
  if (bus.is_serial()) {
    read_serial_settings(reader, bus);
  } else {
    for (std::string_view key : serial_keys) {
      reader.reject(key, "applies to serial buses only; this bus talks to a network server");
    }
  }
  if (bus.protocol == Protocol::line) {
    for (std::string_view key : modbus_bus_keys) {
      reader.reject(key, "applies to Modbus buses only");
    }
    // For polled devices: how long an answer may take, and how often to ask again.
    reader.read("timeout", bus.timeout, 1ms, 60s);
    reader.read("retries", bus.retries, 0, 10);
    reader.read("delimiter", bus.delimiter);
    reader.read("max_line", bus.max_line, 16, 65536);
    if (bus.delimiter.empty()) {
      reader.error_at("delimiter", reader.key_path("delimiter") + ": must not be empty");
    }
  } else {
    reader.reject("delimiter", "applies to line buses only");
    reader.reject("max_line", "applies to line buses only");
    read_modbus_settings(reader, bus);
  }

  const std::vector<const toml::table*> tables = reader.tables("device");
  for (std::size_t i = 0; i < tables.size(); ++i) {
    TableReader device_reader(*tables[i], reader.key_path("device") + "[" + std::to_string(i) + "]",
                              reader.diagnostics());
    Device& device = bus.devices.emplace_back();
    read_device(device_reader, bus, device);
    device_names.add(device_reader, device.name);
  }
  if (tables.empty()) {
    const Place where = reader.table_place();
    reader.diagnostics().warning(where.line, where.column,
                                 reader.key_path("name") + ": bus \"" + bus.name +
                                     "\" has no devices; add [[bus.device]] tables");
  }
  reader.finish();
}

}  // namespace

void read_buses(TableReader& root, std::vector<Bus>& buses) {
  NameRegistry bus_names("bus");
  // Device names are unique across buses: topics name the device, not its bus.
  NameRegistry device_names("device");
  const std::vector<const toml::table*> tables = root.tables("bus");
  for (std::size_t i = 0; i < tables.size(); ++i) {
    TableReader reader(*tables[i], "bus[" + std::to_string(i) + "]", root.diagnostics());
    Bus& bus = buses.emplace_back();
    read_bus(reader, bus, device_names);
    bus_names.add(reader, bus.name);
  }
}

Bus read_bus_table(const toml::table& table, std::string path, Diagnostics& diagnostics) {
  TableReader reader(table, std::move(path), diagnostics);
  NameRegistry device_names("device");
  Bus bus;
  read_bus(reader, bus, device_names);
  return bus;
}

}  // namespace iotgw::config
