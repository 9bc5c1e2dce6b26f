#include <gtest/gtest.h>

#include "gateway/report_filter.hpp"

namespace iotgw::gateway {
namespace {

using namespace std::chrono_literals;
using Quality = drivers::Quality;

struct Filtered : testing::Test {
  bool offer(std::optional<drivers::Value> value, std::chrono::seconds at, Quality quality = {}) {
    return filter.should_publish({&device,
                                  &point,
                                  std::move(value),
                                  quality,
                                  {},
                                  std::chrono::steady_clock::time_point(at),
                                  {}});
  }

  config::Device device;
  config::Point point;
  ReportFilter filter;
};

TEST_F(Filtered, PublishesEveryReadingWithoutDeadbandOrHeartbeat) {
  EXPECT_TRUE(offer(1.0, 0s));
  EXPECT_TRUE(offer(1.0, 1s));
  EXPECT_TRUE(offer(1.0, 2s));
}

TEST_F(Filtered, PublishesMovesBeyondTheDeadbandFromTheLastPublished) {
  point.deadband = 0.5;
  EXPECT_TRUE(offer(20.0, 0s));
  EXPECT_FALSE(offer(20.3, 1s));
  EXPECT_FALSE(offer(20.5, 2s));  // moved exactly the deadband: not more
  EXPECT_TRUE(offer(20.6, 3s));
  EXPECT_FALSE(offer(20.2, 4s));  // 0.4 from 20.6, the last published
  EXPECT_TRUE(offer(20.0, 5s));
}

TEST_F(Filtered, PublishesQualityChangesAtOnce) {
  point.deadband = 10;
  EXPECT_TRUE(offer(1.0, 0s));
  EXPECT_TRUE(offer(std::nullopt, 1s, {.kind = Quality::Kind::timeout}));
  EXPECT_FALSE(offer(std::nullopt, 2s, {.kind = Quality::Kind::timeout}));
  EXPECT_TRUE(offer(1.0, 3s));
}

TEST_F(Filtered, HeartbeatRepublishesAnUnchangedValue) {
  point.deadband = 1;
  point.heartbeat = 60s;
  EXPECT_TRUE(offer(5.0, 0s));
  EXPECT_FALSE(offer(5.0, 59s));
  EXPECT_TRUE(offer(5.0, 60s));
  EXPECT_FALSE(offer(5.0, 61s));
}

TEST_F(Filtered, HeartbeatAloneMeansAnyChangeOrTheHeartbeat) {
  point.heartbeat = 10s;
  EXPECT_TRUE(offer(std::int64_t{3}, 0s));
  EXPECT_FALSE(offer(std::int64_t{3}, 5s));
  EXPECT_TRUE(offer(std::int64_t{4}, 6s));
  EXPECT_TRUE(offer(std::string("on"), 7s));
  EXPECT_FALSE(offer(std::string("on"), 8s));
}

}  // namespace
}  // namespace iotgw::gateway
