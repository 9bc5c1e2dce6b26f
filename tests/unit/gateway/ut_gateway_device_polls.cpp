#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gateway/device_polls.hpp"

namespace iotgw {
namespace {

class DevicePollsTest : public ::testing::Test {
 protected:
  DevicePollsTest() {
    for (const char* name : {"boiler", "meter"}) {
      config::Device device;
      device.name = name;
      for (const char* point : {"a", "b"}) {
        config::Point p;
        p.name = point;
        device.points.push_back(p);
      }
      devices.push_back(device);
    }
  }

  drivers::Reading reading(std::size_t device, std::size_t point) const {
    return {.device = &devices[device],
            .point = &devices[device].points[point],
            .value = drivers::Value(static_cast<double>(point)),
            .quality = {},
            .wall_time = {},
            .steady_time = {}};
  }

  // "device.point" for each reading of a poll.
  static std::vector<std::string> names(const DevicePolls::Poll& poll) {
    std::vector<std::string> result;
    for (const drivers::Reading& r : poll) {
      result.push_back(r.device->name + "." + r.point->name);
    }
    return result;
  }

  std::vector<config::Device> devices;
  DevicePolls polls;
};

TEST_F(DevicePollsTest, HoldsEachDevicesReadingsUntilItsPollEnds) {
  EXPECT_TRUE(polls.add(reading(0, 0)).empty());
  EXPECT_TRUE(polls.add(reading(1, 0)).empty());
  EXPECT_TRUE(polls.add(reading(0, 1)).empty());
  EXPECT_EQ(names(polls.end(devices[0])), (std::vector<std::string>{"boiler.a", "boiler.b"}));
  EXPECT_TRUE(polls.end(devices[0]).empty());  // ended once
  EXPECT_EQ(names(polls.end(devices[1])), (std::vector<std::string>{"meter.a"}));
}

TEST_F(DevicePollsTest, APointSeenAgainClosesTheHeldPollFirst) {
  polls.add(reading(0, 0));
  polls.add(reading(0, 1));
  EXPECT_EQ(names(polls.add(reading(0, 0))), (std::vector<std::string>{"boiler.a", "boiler.b"}));
  EXPECT_EQ(names(polls.end(devices[0])), (std::vector<std::string>{"boiler.a"}));
}

TEST_F(DevicePollsTest, EndAllGivesBackEveryHeldPollOnce) {
  polls.add(reading(0, 0));
  polls.add(reading(1, 1));
  std::vector<std::string> all;
  for (const DevicePolls::Poll& poll : polls.end_all()) {
    const std::vector<std::string> poll_names = names(poll);
    all.insert(all.end(), poll_names.begin(), poll_names.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<std::string>{"boiler.a", "meter.b"}));
  EXPECT_TRUE(polls.end_all().empty());
  EXPECT_TRUE(polls.end(devices[0]).empty());
}

}  // namespace
}  // namespace iotgw
