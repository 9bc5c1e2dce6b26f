#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gateway/device_polls.hpp"

namespace iotgw::gateway {
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
      devices_.push_back(device);
    }
  }

  drivers::Reading reading(std::size_t device, std::size_t point) const {
    return {.device = &devices_[device],
            .point = &devices_[device].points[point],
            .value = drivers::Value(static_cast<double>(point)),
            .quality = {},
            .wall_time = {},
            .steady_time = {},
            .boot_time = {}};
  }

  // "device.point" for each reading of a poll.
  static std::vector<std::string> names(const DevicePolls::Poll& poll) {
    std::vector<std::string> result;
    for (const drivers::Reading& r : poll) {
      result.push_back(r.device->name + "." + r.point->name);
    }
    return result;
  }

  std::vector<config::Device> devices_;
  DevicePolls polls_;
};

TEST_F(DevicePollsTest, HoldsEachDevicesReadingsUntilItsPollEnds) {
  EXPECT_TRUE(polls_.add(reading(0, 0)).empty());
  EXPECT_TRUE(polls_.add(reading(1, 0)).empty());
  EXPECT_TRUE(polls_.add(reading(0, 1)).empty());
  EXPECT_EQ(names(polls_.end(devices_[0])), (std::vector<std::string>{"boiler.a", "boiler.b"}));
  EXPECT_TRUE(polls_.end(devices_[0]).empty());  // ended once
  EXPECT_EQ(names(polls_.end(devices_[1])), (std::vector<std::string>{"meter.a"}));
}

TEST_F(DevicePollsTest, APointSeenAgainClosesTheHeldPollFirst) {
  polls_.add(reading(0, 0));
  polls_.add(reading(0, 1));
  EXPECT_EQ(names(polls_.add(reading(0, 0))), (std::vector<std::string>{"boiler.a", "boiler.b"}));
  EXPECT_EQ(names(polls_.end(devices_[0])), (std::vector<std::string>{"boiler.a"}));
}

TEST_F(DevicePollsTest, EndAllGivesBackEveryHeldPollOnce) {
  polls_.add(reading(0, 0));
  polls_.add(reading(1, 1));
  std::vector<std::string> all;
  for (const DevicePolls::Poll& poll : polls_.end_all()) {
    const std::vector<std::string> poll_names = names(poll);
    all.insert(all.end(), poll_names.begin(), poll_names.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<std::string>{"boiler.a", "meter.b"}));
  EXPECT_TRUE(polls_.end_all().empty());
  EXPECT_TRUE(polls_.end(devices_[0]).empty());
}

}  // namespace
}  // namespace iotgw::gateway
