// The reconnect backoff: pauses within [min, ceiling], a ceiling that doubles
// up to max, a reset after a successful connection, and jitter that spreads
// clients with different seeds.
#include <set>

#include <gtest/gtest.h>

#include "bridge/mqtt/backoff.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using namespace std::chrono_literals;

TEST(MqttBackoff, PausesStayBetweenMinAndADoublingCeiling) {
  Backoff pauses(100ms, 1000ms, 1);
  const std::chrono::milliseconds ceilings[] = {200ms, 400ms, 800ms, 1000ms, 1000ms, 1000ms};
  for (const auto ceiling : ceilings) {
    EXPECT_EQ(pauses.ceiling(), ceiling);
    const auto pause = pauses.next();
    EXPECT_GE(pause, 100ms);
    EXPECT_LE(pause, ceiling);
  }
}

TEST(MqttBackoff, ResetStartsShortAgain) {
  Backoff pauses(100ms, 60'000ms, 2);
  for (int i = 0; i < 20; ++i) {
    pauses.next();
  }
  EXPECT_EQ(pauses.ceiling(), 60'000ms);
  pauses.reset();
  EXPECT_EQ(pauses.ceiling(), 200ms);
  EXPECT_LE(pauses.next(), 200ms);
}

TEST(MqttBackoff, FirstPausesOfAFleetAreSpread) {
  std::set<std::chrono::milliseconds::rep> first;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    first.insert(Backoff(1000ms, 60'000ms, seed).next().count());
  }
  EXPECT_GT(first.size(), 25u);
}

TEST(MqttBackoff, DegenerateSettingsStayUsable) {
  Backoff zero(0ms, 0ms, 3);
  EXPECT_GE(zero.next(), 1ms);
  Backoff inverted(500ms, 100ms, 4);
  EXPECT_EQ(inverted.next(), 500ms);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
