#include <array>

#include <gtest/gtest.h>

#include "config/suggest.hpp"

namespace iotgw::config {
namespace {

constexpr std::array<std::string_view, 6> bus_keys{"baud",      "parity",  "data_bits",
                                                   "stop_bits", "timeout", "retries"};

TEST(ClosestMatch, FindsTyposTranspositionsAndCase) {
  EXPECT_EQ(closest_match("pairty", bus_keys), "parity");
  EXPECT_EQ(closest_match("stopbits", bus_keys), "stop_bits");
  EXPECT_EQ(closest_match("Timeout", bus_keys), "timeout");
  EXPECT_EQ(closest_match("retires", bus_keys), "retries");
}

TEST(ClosestMatch, FindsAKeyThatTheWordExtends) {
  EXPECT_EQ(closest_match("baudrate", bus_keys), "baud");
  EXPECT_EQ(closest_match("timeout_ms", bus_keys), "timeout");
}

TEST(ClosestMatch, StaysSilentWhenNothingIsClose) {
  EXPECT_EQ(closest_match("foo", bus_keys), std::nullopt);
  EXPECT_EQ(closest_match("password", bus_keys), std::nullopt);
}

}  // namespace
}  // namespace iotgw::config
