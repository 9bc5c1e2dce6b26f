// The command path end to end, as a hostile sender on the command topic
// drives it: topic and payload into the parser, a refusal into its result
// message, an accepted write into the request that would go on the bus.
// Input: one flags byte (bit 0: retained), the topic up to the first '\n',
// then the payload. Every refusal must carry a result that is valid JSON, and
// every accepted write must be within the point's declared range.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "config/load.hpp"
#include "drivers/modbus/value.hpp"
#include "gateway/command_parser.hpp"

namespace {

using namespace std::chrono_literals;

const iotgw::config::Config& fuzz_config() {
  static const iotgw::config::Config config = [] {
    iotgw::config::LoadResult loaded = iotgw::config::load_string(
        R"(
[gateway]
id = "gw"
[mqtt]
url = "mqtt://b"
[[bus]]
name = "plc"
protocol = "modbus-tcp"
host = "h"
  [[bus.device]]
  name = "boiler"
    [[bus.device.point]]
    name = "temp"
    address = 0
    type = "float32"
    [[bus.device.point]]
    name = "setpoint"
    address = 10
    type = "int16"
    scale = 0.1
    writable = true
    min = 5
    max = 80
    [[bus.device.point]]
    name = "raw"
    address = 20
    type = "uint64"
    writable = true
    [[bus.device.point]]
    name = "label"
    address = 30
    type = "string"
    length = 8
    writable = true
    [[bus.device.point]]
    name = "pump"
    register = "coil"
    address = 0
    writable = true
    [[bus.device.point]]
    name = "flag"
    address = 40
    type = "bool"
    bit = 3
)",
        "/fuzz/iotgw.toml");
    if (!loaded.config) {
      std::abort();
    }
    return std::move(*loaded.config);
  }();
  return config;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const bool retained = (data[0] & 1) != 0;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t newline = rest.find('\n');
  const std::string_view topic = rest.substr(0, newline);
  const std::string_view payload =
      newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);

  const iotgw::config::Config& config = fuzz_config();
  static const iotgw::gateway::CommandParser parser(config);
  const auto now = std::chrono::system_clock::time_point(1795633200s);
  const iotgw::gateway::ParsedCommand parsed = parser.parse(topic, payload, retained, now);

  if (const auto* refusal = std::get_if<iotgw::gateway::Refusal>(&parsed)) {
    if (refusal->result_topic.empty() || refusal->error.empty() ||
        !nlohmann::json::accept(iotgw::gateway::error_result(refusal->id, refusal->error))) {
      std::abort();
    }
    return 0;
  }
  const auto* command = std::get_if<iotgw::gateway::Command>(&parsed);
  if (command == nullptr) {
    return 0;
  }
  if (retained) {
    std::abort();
  }
  if (const auto* set = std::get_if<iotgw::gateway::SetCommand>(&command->action)) {
    const iotgw::config::Point& point =
        config.buses[set->device.bus].devices[set->device.device].points[set->point];
    if (!point.writable) {
      std::abort();
    }
    if (const auto* number = std::get_if<double>(&set->value)) {
      if (!std::isfinite(*number) || (point.min && *number < *point.min) ||
          (point.max && *number > *point.max)) {
        std::abort();
      }
    }
    // What would go on the bus: a request, or a refusal before any traffic.
    (void)iotgw::drivers::modbus::write_request(point, set->value);
    if (!nlohmann::json::accept(iotgw::gateway::ok_result(*command, set->value))) {
      std::abort();
    }
  }
  return 0;
}
