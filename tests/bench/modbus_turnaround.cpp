// Modbus RTU benchmark. Two figures:
//  1. Turnaround: from the last byte of one response to the first byte of the
//     next request, as the device sees it, with the bus kept busy by a short
//     poll interval. The line's mandatory silence (t3.5) is part of it and is
//     printed beside it; the device's own reaction time (last request byte to
//     response written) in the same run is the yardstick for this machine.
//  2. Requests per poll for a realistic device map, with and without merging.
//
//   build/tests/bench/modbus_turnaround [polls]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <pty.h>
#include <termios.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "drivers/modbus/crc16.hpp"
#include "drivers/modbus/io/modbus_bus.hpp"
#include "drivers/modbus/plan.hpp"
#include "drivers/modbus/timing.hpp"

namespace {

using namespace iotgw;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// An energy meter's map: scattered float32 values, a block of counters, status bits.
config::Device energy_meter() {
  config::Device device;
  device.name = "meter";
  device.unit_id = 1;
  device.poll_interval = 1ms;  // as fast as the line allows
  auto add = [&](std::string name, config::RegisterKind kind, int address, config::ValueType type) {
    config::Point point;
    point.name = std::move(name);
    point.register_kind = kind;
    point.address = static_cast<std::uint16_t>(address);
    point.type = type;
    device.points.push_back(point);
  };
  for (int i = 0; i < 12; ++i) {  // voltages, currents, powers: every other float32
    add("v" + std::to_string(i), config::RegisterKind::input, i * 6, config::ValueType::float32);
  }
  for (int i = 0; i < 8; ++i) {  // energy counters
    add("e" + std::to_string(i), config::RegisterKind::input, 342 + i * 4,
        config::ValueType::uint64);
  }
  for (int i = 0; i < 6; ++i) {  // settings
    add("s" + std::to_string(i), config::RegisterKind::holding, 4000 + i * 3,
        config::ValueType::uint16);
  }
  for (int i = 0; i < 10; ++i) {  // relays and alarms
    add("c" + std::to_string(i), config::RegisterKind::coil, i * 2, config::ValueType::boolean);
  }
  return device;
}

std::vector<std::uint8_t> with_crc(std::vector<std::uint8_t> frame) {
  const std::uint16_t crc = drivers::modbus::crc16(frame);
  frame.push_back(static_cast<std::uint8_t>(crc & 0xFF));
  frame.push_back(static_cast<std::uint8_t>(crc >> 8));
  return frame;
}

// A response with zeros for any read request (function 1-4).
std::vector<std::uint8_t> respond(const std::uint8_t* request) {
  const int function = request[1];
  const int quantity = request[4] << 8 | request[5];
  const int bytes = function <= 2 ? (quantity + 7) / 8 : quantity * 2;
  std::vector<std::uint8_t> frame = {request[0], request[1], static_cast<std::uint8_t>(bytes)};
  frame.resize(3 + static_cast<std::size_t>(bytes), 0);
  return with_crc(frame);
}

struct Timings {
  std::vector<double> turnaround_us;  // last response byte -> first request byte
  std::vector<double> device_us;      // last request byte -> response written
};

// The device: answers each 8-byte read request at once and times both directions.
void run_device(int fd, std::atomic<bool>& stop, Timings& timings) {
  std::vector<std::uint8_t> buffer;
  std::optional<Clock::time_point> answered_at;
  std::optional<Clock::time_point> request_started;
  std::uint8_t chunk[256];
  while (!stop) {
    const ssize_t size = ::read(fd, chunk, sizeof chunk);
    const auto now = Clock::now();
    if (size <= 0) {
      continue;
    }
    if (buffer.empty()) {
      request_started = now;
    }
    buffer.insert(buffer.end(), chunk, chunk + size);
    while (buffer.size() >= 8) {
      if (answered_at) {
        timings.turnaround_us.push_back(
            std::chrono::duration<double, std::micro>(*request_started - *answered_at).count());
      }
      const std::vector<std::uint8_t> response = respond(buffer.data());
      buffer.erase(buffer.begin(), buffer.begin() + 8);
      if (::write(fd, response.data(), response.size()) < 0) {
        return;
      }
      answered_at = Clock::now();
      timings.device_us.push_back(
          std::chrono::duration<double, std::micro>(*answered_at - now).count());
      request_started = Clock::now();
    }
  }
}

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  const int polls = argc > 1 ? std::atoi(argv[1]) : 300;
  int device_fd = -1;
  int gateway_fd = -1;
  char gateway_name[256];
  if (::openpty(&device_fd, &gateway_fd, gateway_name, nullptr, nullptr) != 0) {
    std::perror("openpty");
    return 1;
  }
  termios raw{};
  ::tcgetattr(device_fd, &raw);
  ::cfmakeraw(&raw);
  ::tcsetattr(device_fd, TCSANOW, &raw);

  config::Bus bus;
  bus.name = "bench";
  bus.protocol = config::Protocol::modbus_rtu;
  bus.port = gateway_name;
  bus.baud = 115200;
  bus.timeout = 500ms;
  bus.devices.push_back(energy_meter());

  const drivers::modbus::ReadPlan merged = drivers::modbus::plan_reads(bus.devices[0]);
  std::size_t unmerged = 0;
  for (std::size_t i = 0; i < bus.devices[0].points.size(); ++i) {
    const std::size_t one[] = {i};
    unmerged += drivers::modbus::plan_reads(bus.devices[0], one).reads.size();
  }

  std::atomic<bool> stop{false};
  Timings timings;
  std::thread device(run_device, device_fd, std::ref(stop), std::ref(timings));

  boost::asio::io_context io;
  std::size_t readings = 0;
  drivers::modbus::io::ModbusBus modbus_bus(io.get_executor(), bus,
                                            [&](const drivers::Reading&) { ++readings; });
  modbus_bus.start();
  const std::size_t wanted = static_cast<std::size_t>(polls) * bus.devices[0].points.size();
  const auto started = Clock::now();
  while (readings < wanted && Clock::now() - started < 120s) {
    io.run_for(10ms);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  modbus_bus.stop();
  io.run_for(50ms);
  stop = true;
  ::close(gateway_fd);
  ::close(device_fd);
  device.join();

  if (timings.turnaround_us.size() < 10) {
    std::fprintf(stderr, "too few transactions measured\n");
    return 1;
  }
  const double gap_us = static_cast<double>(drivers::modbus::silent_interval(bus).count());
  std::printf("Modbus RTU on a pty at %u baud, %zu points, %d polls in %.2f s\n", bus.baud,
              bus.devices[0].points.size(), polls, seconds);
  std::printf("%-44s %10s %10s\n", "", "median us", "p99 us");
  std::printf("%-44s %10.0f %10.0f\n", "gateway turnaround (response end -> request)",
              percentile(timings.turnaround_us, 0.5), percentile(timings.turnaround_us, 0.99));
  std::printf("%-44s %10.0f %10s\n", "  of which the line's required silence t3.5", gap_us, "");
  std::printf("%-44s %10.0f %10.0f\n", "  beyond t3.5 (the gateway's own time)",
              percentile(timings.turnaround_us, 0.5) - gap_us,
              percentile(timings.turnaround_us, 0.99) - gap_us);
  std::printf("%-44s %10.0f %10.0f\n", "device reaction (yardstick, same run)",
              percentile(timings.device_us, 0.5), percentile(timings.device_us, 0.99));
  std::printf("\nrequests per poll of this map: %zu merged, %zu one per point (%.1fx fewer)\n",
              merged.reads.size(), unmerged,
              static_cast<double>(unmerged) / static_cast<double>(merged.reads.size()));
  return 0;
}
