#include <gtest/gtest.h>

#include "config/config.hpp"

namespace iotgw::config {
namespace {

TEST(RegisterCount, FollowsTheTypeWidth) {
  Point point;
  point.type = ValueType::uint16;
  EXPECT_EQ(register_count(point), 1);
  point.type = ValueType::float32;
  EXPECT_EQ(register_count(point), 2);
  point.type = ValueType::uint64;
  EXPECT_EQ(register_count(point), 4);
}

TEST(RegisterCount, StringsTakeTwoCharactersPerRegister) {
  Point point;
  point.type = ValueType::string;
  point.length = 7;
  EXPECT_EQ(register_count(point), 4);
  point.length = 8;
  EXPECT_EQ(register_count(point), 4);
}

}  // namespace
}  // namespace iotgw::config
