#include "drivers/reading.hpp"

#include "drivers/modbus/error.hpp"

namespace iotgw::drivers {

std::string to_string(Quality quality) {
  switch (quality.kind) {
    case Quality::Kind::good:
      return "good";
    case Quality::Kind::timeout:
      return "timeout";
    case Quality::Kind::crc_error:
      return "crc_error";
    case Quality::Kind::exception:
      return "exception:" + modbus::exception_error(quality.exception_code).name();
    case Quality::Kind::port_down:
      return "port_down";
    case Quality::Kind::bad_value:
      return "bad_value";
    case Quality::Kind::protocol_error:
      return "protocol_error";
  }
  return "unknown";
}

void report_port_down(const config::Bus& bus, const ReadingSink& sink,
                      const PollEndSink& poll_end) {
  const auto wall_time = std::chrono::system_clock::now();
  const auto steady_time = std::chrono::steady_clock::now();
  const auto boot_time = BootClock::now();
  for (const config::Device& device : bus.devices) {
    for (const config::Point& point : device.points) {
      sink(Reading{.device = &device,
                   .point = &point,
                   .value = std::nullopt,
                   .quality = {.kind = Quality::Kind::port_down},
                   .wall_time = wall_time,
                   .steady_time = steady_time,
                   .boot_time = boot_time});
    }
    if (poll_end) {
      poll_end(device);
    }
  }
}

}  // namespace iotgw::drivers
