#include <gtest/gtest.h>

#include "config/units.hpp"

namespace iotgw::config {
namespace {

TEST(ParseDuration, ReadsEveryUnit) {
  EXPECT_EQ(parse_duration("250ms"), Duration(250));
  EXPECT_EQ(parse_duration("5s"), Duration(5'000));
  EXPECT_EQ(parse_duration("2m"), Duration(120'000));
  EXPECT_EQ(parse_duration("1h"), Duration(3'600'000));
  EXPECT_EQ(parse_duration("1d"), Duration(86'400'000));
}

TEST(ParseDuration, ReadsSequencesAndFractions) {
  EXPECT_EQ(parse_duration("1h30m"), Duration(5'400'000));
  EXPECT_EQ(parse_duration("1s500ms"), Duration(1'500));
  EXPECT_EQ(parse_duration("0.5s"), Duration(500));
  EXPECT_EQ(parse_duration("0"), Duration(0));
  EXPECT_EQ(parse_duration("0s"), Duration(0));
}

TEST(ParseDuration, RefusesWhatIsNotADuration) {
  for (const char* text :
       {"", "5", "s", "5 s", "5sec", "-1s", "1.5ms", "5S", "1s ", "ms5", "99999999d"}) {
    EXPECT_EQ(parse_duration(text), std::nullopt) << text;
  }
}

TEST(ParseSize, ReadsBinaryAndDecimalUnits) {
  EXPECT_EQ(parse_size("256MiB"), 256ULL * 1024 * 1024);
  EXPECT_EQ(parse_size("4KiB"), 4096U);
  EXPECT_EQ(parse_size("1GiB"), 1ULL << 30);
  EXPECT_EQ(parse_size("10MB"), 10'000'000U);
  EXPECT_EQ(parse_size("2kB"), 2'000U);
  EXPECT_EQ(parse_size("512B"), 512U);
  EXPECT_EQ(parse_size("512"), 512U);
  EXPECT_EQ(parse_size("1.5KiB"), 1536U);
}

TEST(ParseSize, RefusesWhatIsNotASize) {
  for (const char* text : {"", "MiB", "256 MiB", "256mib", "0.3B", "-1KiB", "20000000000GiB"}) {
    EXPECT_EQ(parse_size(text), std::nullopt) << text;
  }
}

TEST(FormatDuration, SpellsTheShortestExactForm) {
  EXPECT_EQ(format_duration(Duration(0)), "0s");
  EXPECT_EQ(format_duration(Duration(250)), "250ms");
  EXPECT_EQ(format_duration(Duration(90'000)), "1m30s");
  EXPECT_EQ(format_duration(Duration(1'500)), "1s500ms");
  EXPECT_EQ(format_duration(Duration(65'535'000)), "18h12m15s");
}

TEST(FormatSize, UsesTheLargestExactBinaryUnit) {
  EXPECT_EQ(format_size(256ULL * 1024 * 1024), "256MiB");
  EXPECT_EQ(format_size(1536), "1536B");
  EXPECT_EQ(format_size(2048), "2KiB");
  EXPECT_EQ(format_size(0), "0B");
}

}  // namespace
}  // namespace iotgw::config
