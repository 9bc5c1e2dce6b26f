#include <gtest/gtest.h>

#include "drivers/line/line_parser.hpp"

namespace iotgw::drivers::line {
namespace {

config::Point point(std::string name, config::ValueType type = config::ValueType::float64) {
  config::Point p;
  p.name = name;
  p.key = name;
  p.type = type;
  return p;
}

config::Device station(std::string pattern) {
  config::Device device;
  device.name = "station";
  device.pattern = std::move(pattern);
  device.points = {point("temperature"), point("humidity")};
  return device;
}

// A line that matched, with bad_values groups that did not convert and the
// values of temperature and humidity.
void expect_matched(const ParsedLine& parsed, int bad_values,
                    const std::vector<std::optional<Value>>& values) {
  EXPECT_TRUE(parsed.matched);
  EXPECT_EQ(parsed.bad_values, bad_values);
  EXPECT_EQ(parsed.values, values);
}

TEST(LineParser, MapsCaptureGroupsToPointsInOrder) {
  const config::Device device = station("T=(-?[0-9.]+);H=([0-9.]+)");
  expect_matched(LineParser(device).parse("#12 T=-3.5;H=81.25 ok"), 0, {Value(-3.5), Value(81.25)});
}

TEST(LineParser, ReportsALineThePatternDoesNotMatch) {
  const config::Device device = station("T=(-?[0-9.]+);H=([0-9.]+)");
  const ParsedLine parsed = LineParser(device).parse("garbage\x01\xff");
  EXPECT_FALSE(parsed.matched);
  EXPECT_EQ(parsed.values, (std::vector<std::optional<Value>>{std::nullopt, std::nullopt}));
}

TEST(LineParser, CountsAGroupThatDoesNotConvert) {
  const config::Device device = station("T=([^;]*);H=(.*)");
  expect_matched(LineParser(device).parse("T=1.2.3;H=40"), 1, {std::nullopt, Value(40.0)});
}

TEST(LineParser, ReadsKeyValuePairsByKey) {
  config::Device device = station("");
  device.points[0].key = "TEMP";
  expect_matched(LineParser(device).parse("TEMP=21.5, humidity=40;other=1 noise"), 0,
                 {Value(21.5), Value(40.0)});
}

TEST(LineParser, LeavesAbsentKeysEmptyWithoutCountingThem) {
  const config::Device device = station("");
  expect_matched(LineParser(device).parse("humidity=55"), 0, {std::nullopt, Value(55.0)});
  EXPECT_FALSE(LineParser(device).parse("wind=3").matched);
}

TEST(ParseValue, ConvertsByType) {
  EXPECT_EQ(parse_value(point("b", config::ValueType::boolean), " ON "), Value(true));
  EXPECT_EQ(parse_value(point("b", config::ValueType::boolean), "0"), Value(false));
  EXPECT_EQ(parse_value(point("b", config::ValueType::boolean), "maybe"), std::nullopt);
  EXPECT_EQ(parse_value(point("i", config::ValueType::int16), "-32768"),
            Value(std::int64_t{-32768}));
  EXPECT_EQ(parse_value(point("i", config::ValueType::int16), "32768"), std::nullopt);
  EXPECT_EQ(parse_value(point("u", config::ValueType::uint32), "+4294967295"),
            Value(std::uint64_t{4294967295}));
  EXPECT_EQ(parse_value(point("u", config::ValueType::uint16), "-1"), std::nullopt);
  EXPECT_EQ(parse_value(point("f"), "1e3"), Value(1000.0));
  EXPECT_EQ(parse_value(point("f"), "nan"), std::nullopt);
  EXPECT_EQ(parse_value(point("s", config::ValueType::string), " WS-2000 "),
            Value(std::string("WS-2000")));
}

TEST(ParseValue, AppliesScaleAndOffset) {
  config::Point raw = point("p", config::ValueType::int32);
  raw.scale = 0.1;
  raw.offset = -40;
  EXPECT_EQ(parse_value(raw, "650"), Value(25.0));
  raw.scale = 1;
  raw.offset = 0;
  EXPECT_EQ(parse_value(raw, "650"), Value(std::int64_t{650}));
}

TEST(ParseValue, DecimalScaleGivesTheDecimalValue) {
  // 165 * 0.01 would be 1.6500000000000001 in the payload.
  config::Point hundredths = point("p", config::ValueType::uint16);
  hundredths.scale = 0.01;
  EXPECT_EQ(parse_value(hundredths, "165"), Value(1.65));
  config::Point reading = point("f");
  reading.scale = 0.1;
  EXPECT_EQ(parse_value(reading, "3"), Value(0.3));
}

}  // namespace
}  // namespace iotgw::drivers::line
