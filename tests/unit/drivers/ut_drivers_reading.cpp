#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "drivers/reading.hpp"

namespace iotgw::drivers {
namespace {

config::Device device(std::string name, std::vector<std::string> points) {
  config::Device result;
  result.name = std::move(name);
  for (std::string& point_name : points) {
    config::Point point;
    point.name = std::move(point_name);
    result.points.push_back(std::move(point));
  }
  return result;
}

TEST(ReportPortDown, EndsOnePollPerDeviceAfterItsReadings) {
  config::Bus bus;
  bus.devices = {device("boiler", {"flow", "return"}), device("meter", {"volts"})};
  std::vector<std::string> seen;
  report_port_down(
      bus,
      [&](const Reading& reading) {
        EXPECT_EQ(reading.quality.kind, Quality::Kind::port_down);
        EXPECT_FALSE(reading.value);
        seen.push_back(reading.device->name + "." + reading.point->name);
      },
      [&](const config::Device& ended) { seen.push_back("end " + ended.name); });
  EXPECT_EQ(seen, (std::vector<std::string>{"boiler.flow", "boiler.return", "end boiler",
                                            "meter.volts", "end meter"}));
}

TEST(ReportPortDown, NeedsNoPollEnd) {
  config::Bus bus;
  bus.devices = {device("boiler", {"flow"})};
  int readings = 0;
  report_port_down(bus, [&](const Reading&) { ++readings; });
  EXPECT_EQ(readings, 1);
}

}  // namespace
}  // namespace iotgw::drivers
