#include "tests/bench/gateway/bench_configs.hpp"

#include <fmt/format.h>

namespace iotgw::bench {
namespace {

// The sections before the buses; `store` and `telemetry` hold extra keys.
std::string common(const std::string& id, const Setup& setup, std::string store,
                   const std::string& telemetry) {
  if (!setup.commit_interval.empty()) {
    store += fmt::format("commit_interval = \"{}\"\n", setup.commit_interval);
  }
  store += setup.store_keys;
  return fmt::format(
      "[gateway]\n"
      "id = \"{}\"\n"
      "state_dir = \"{}\"\n"
      "\n"
      "[mqtt]\n"
      "url = \"mqtt://127.0.0.1:{}\"\n"
      "\n"
      "[store]\n"
      "{}"
      "\n"
      "[http]\n"
      "listen = \"\"\n"  // benchmarks run side by side
      "\n"
      "[telemetry]\n"
      "clock_hold = \"0s\"\n"  // run by hand on a machine whose kernel clock is undisciplined
      "{}"
      "\n"
      "[[bus]]\n"
      "name = \"plant\"\n"
      "protocol = \"modbus-tcp\"\n"
      "host = \"127.0.0.1:{}\"\n"
      "\n",
      id, setup.state_dir.string(), setup.broker_port, store, telemetry, setup.device_port);
}

constexpr const char* metrics_every_second = "metrics_interval = \"1s\"\n";

}  // namespace

std::string drain_config(const Setup& setup, std::uint64_t max_rows) {
  // The default bound (1,000,000 rows) would evict the oldest readings of a
  // backlog of that size as soon as the next reading arrives.
  return common("drain", setup, fmt::format("max_rows = {}\nmax_bytes = \"4GiB\"\n", max_rows),
                metrics_every_second) +
         "  [[bus.device]]\n"
         "  name = \"meter\"\n"
         "  poll_interval = \"1s\"\n"
         "\n"
         "    [[bus.device.point]]\n"
         "    name = \"voltage_l1\"\n"
         "    address = 0\n"
         "    type = \"float32\"\n"
         "    unit = \"V\"\n"
         "\n"
         "    [[bus.device.point]]\n"
         "    name = \"voltage_l2\"\n"
         "    address = 2\n"
         "    type = \"float32\"\n"
         "    unit = \"V\"\n"
         "\n"
         "    [[bus.device.point]]\n"
         "    name = \"voltage_l3\"\n"
         "    address = 4\n"
         "    type = \"float32\"\n"
         "    unit = \"V\"\n"
         "\n"
         "    [[bus.device.point]]\n"
         "    name = \"current_l1\"\n"
         "    address = 6\n"
         "    type = \"float32\"\n"
         "    unit = \"A\"\n"
         "\n"
         "    [[bus.device.point]]\n"
         "    name = \"active_power\"\n"
         "    address = 8\n"
         "    type = \"int32\"\n"
         "    scale = 0.001\n"
         "    unit = \"kW\"\n"
         "\n"
         "    [[bus.device.point]]\n"
         "    name = \"energy\"\n"
         "    address = 10\n"
         "    type = \"uint32\"\n"
         "    unit = \"kWh\"\n"
         "\n"
         "    [[bus.device.point]]\n"
         "    name = \"frequency\"\n"
         "    address = 12\n"
         "    scale = 0.01\n"
         "    unit = \"Hz\"\n"
         "\n"
         "    [[bus.device.point]]\n"
         "    name = \"power_factor\"\n"
         "    address = 13\n"
         "    type = \"int16\"\n"
         "    scale = 0.001\n"
         "\n"
         "    [[bus.device.point]]\n"
         "    name = \"temperature\"\n"
         "    address = 14\n"
         "    type = \"int16\"\n"
         "    scale = 0.1\n"
         "    unit = \"°C\"\n"
         "\n"
         "    [[bus.device.point]]\n"
         "    name = \"alarms\"\n"
         "    address = 15\n";
}

std::string idle_config(const Setup& setup) {
  return common("idle", setup, "", "") +
         "  [[bus.device]]\n"
         "  name = \"boiler\"\n"
         "  poll_interval = \"5s\"\n"
         "\n"
         "    [[bus.device.point]]\n"
         "    name = \"flow_temp\"\n"
         "    address = 0\n"
         "    type = \"float32\"\n"
         "    unit = \"°C\"\n";
}

std::string load_config(const Setup& setup, int points, std::chrono::milliseconds poll,
                        const std::string& id, const std::string& telemetry) {
  std::string text =
      common(id, setup, "", metrics_every_second + telemetry) + fmt::format(
                                                                    "  [[bus.device]]\n"
                                                                    "  name = \"meter\"\n"
                                                                    "  poll_interval = \"{}ms\"\n",
                                                                    poll.count());
  for (int point = 0; point < points; ++point) {
    text += fmt::format(
        "\n"
        "    [[bus.device.point]]\n"
        "    name = \"r{}\"\n"
        "    address = {}\n",
        point, point);
  }
  return text;
}

std::string points_config(const Setup& setup, int devices, int points_per_device,
                          std::chrono::milliseconds poll) {
  std::string text = common("points", setup, "", metrics_every_second);
  for (int device = 1; device <= devices; ++device) {
    text += fmt::format(
        "  [[bus.device]]\n"
        "  name = \"dev{:02}\"\n"
        "  unit_id = {}\n"
        "  poll_interval = \"{}ms\"\n",
        device, device, poll.count());
    for (int point = 0; point < points_per_device; ++point) {
      text += fmt::format(
          "\n"
          "    [[bus.device.point]]\n"
          "    name = \"r{}\"\n"
          "    address = {}\n",
          point, point);
    }
    text += "\n";
  }
  return text;
}

}  // namespace iotgw::bench
