// Shifting the timestamps of an encoded Sparkplug B payload. decode() does not
// return metric timestamps, so the shifted bytes are compared with encode() of
// the payload built with the right clock: equal bytes show the timestamps
// moved, and everything else kept, length prefixes included.
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bridge/sparkplug/payload.hpp"
#include "bridge/sparkplug/timestamps.hpp"

namespace iotgw::bridge::sparkplug {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint8_t sample_seq = 200;  // two bytes as a varint

// A data message as the store holds it: seq added on the way out.
Bytes sample(std::uint64_t payload_time, std::uint64_t first_time, std::uint64_t second_time) {
  const Payload payload{.timestamp = payload_time,
                        .seq = std::nullopt,
                        .metrics = {{.name = "temperature",
                                     .alias = 1,
                                     .timestamp = first_time,
                                     .type = DataType::float64,
                                     .send_type = true,
                                     .is_historical = false,
                                     .value = 21.5,
                                     .eng_unit = "degC"},
                                    {.name = "count",
                                     .alias = 2,
                                     .timestamp = second_time,
                                     .type = DataType::uint32,
                                     .send_type = true,
                                     .is_historical = false,
                                     .value = std::uint64_t{4'000'000'000},
                                     .eng_unit = {}},
                                    {.name = "serial",
                                     .alias = 3,
                                     .timestamp = std::nullopt,
                                     .type = DataType::string,
                                     .send_type = true,
                                     .is_historical = false,
                                     .value = std::string("SN-42"),
                                     .eng_unit = {}}}};
  auto encoded = encode(payload);
  EXPECT_TRUE(encoded) << (encoded ? "" : encoded.error());
  Bytes bytes = encoded ? *encoded : Bytes{};
  append_seq(bytes, sample_seq);
  return bytes;
}

void expect_sample_kept(const Bytes& bytes, std::uint64_t payload_time) {
  const auto back = decode(bytes, 10);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->timestamp, payload_time);
  EXPECT_EQ(back->seq, sample_seq);
  ASSERT_EQ(back->metrics.size(), 3u);
  EXPECT_EQ(back->metrics[0].name, "temperature");
  EXPECT_EQ(back->metrics[0].alias, 1u);
  EXPECT_EQ(std::get<double>(back->metrics[0].value), 21.5);
  EXPECT_EQ(back->metrics[1].name, "count");
  EXPECT_EQ(back->metrics[1].alias, 2u);
  EXPECT_EQ(std::get<std::uint64_t>(back->metrics[1].value), 4'000'000'000u);
  EXPECT_EQ(back->metrics[2].name, "serial");
  EXPECT_EQ(back->metrics[2].alias, 3u);
  EXPECT_EQ(std::get<std::string>(back->metrics[2].value), "SN-42");
}

TEST(SparkplugTimestamps, ShiftsThePayloadAndEachMetric) {
  constexpr std::uint64_t built = 1'700'000'000'000;
  constexpr std::int64_t hour = 3'600'000;
  Bytes bytes = sample(built, built - 5, built - 3);
  ASSERT_TRUE(shift_timestamps(bytes, hour));
  EXPECT_EQ(bytes, sample(built + hour, built - 5 + hour, built - 3 + hour));
  expect_sample_kept(bytes, built + hour);
}

// 1000 ms takes 2 bytes as a varint, a date in 2023 takes 6: each metric,
// and the payload, grow, and the metrics' length prefixes with them.
TEST(SparkplugTimestamps, ShiftsAcrossAVarintWidth) {
  constexpr std::int64_t delta = 1'700'000'000'000;
  Bytes bytes = sample(1000, 1001, 1002);
  const std::size_t size_before = bytes.size();
  ASSERT_TRUE(shift_timestamps(bytes, delta));
  EXPECT_EQ(bytes, sample(1000 + delta, 1001 + delta, 1002 + delta));
  EXPECT_EQ(bytes.size(), size_before + 3 * 4);
  expect_sample_kept(bytes, 1000 + delta);
}

// A metric of 124 bytes grows to 128: its length prefix takes 2 bytes.
TEST(SparkplugTimestamps, ALengthPrefixGrowsToo) {
  const auto one_metric = [](std::uint64_t time) {
    const Payload payload{.timestamp = std::nullopt,
                          .seq = std::nullopt,
                          .metrics = {{.name = std::string(110, 'n'),
                                       .alias = std::nullopt,
                                       .timestamp = time,
                                       .type = DataType::float64,
                                       .send_type = false,
                                       .is_historical = false,
                                       .value = 1.0,
                                       .eng_unit = {}}}};
    auto encoded = encode(payload);
    EXPECT_TRUE(encoded);
    return encoded ? *encoded : Bytes{};
  };
  Bytes bytes = one_metric(1000);
  ASSERT_EQ(bytes[1], 124);
  ASSERT_TRUE(shift_timestamps(bytes, 1'700'000'000'000));
  EXPECT_EQ(bytes, one_metric(1'700'000'001'000));
  EXPECT_EQ(bytes[1], 0x80);
  EXPECT_EQ(bytes[2], 0x01);
}

TEST(SparkplugTimestamps, ClampsAtZero) {
  Bytes bytes = sample(1000, 1010, 1020);
  ASSERT_TRUE(shift_timestamps(bytes, -1015));
  EXPECT_EQ(bytes, sample(0, 0, 5));
  expect_sample_kept(bytes, 0);

  bytes = sample(1000, 1010, 1020);
  ASSERT_TRUE(shift_timestamps(bytes, std::numeric_limits<std::int64_t>::min()));
  EXPECT_EQ(bytes, sample(0, 0, 0));
}

// Not asked for by any clock, but shown so that it is known: no wrapping.
TEST(SparkplugTimestamps, ClampsAtTheLargestTimestamp) {
  constexpr std::uint64_t largest = std::numeric_limits<std::uint64_t>::max();
  Bytes bytes = sample(largest - 1, 0, 1);
  ASSERT_TRUE(shift_timestamps(bytes, std::numeric_limits<std::int64_t>::max()));
  constexpr auto forward = std::uint64_t{std::numeric_limits<std::int64_t>::max()};
  EXPECT_EQ(bytes, sample(largest, forward, forward + 1));
}

TEST(SparkplugTimestamps, AShiftOfZeroKeepsTheBytes) {
  const Bytes built = sample(1'700'000'000'000, 1, 2);
  Bytes bytes = built;
  ASSERT_TRUE(shift_timestamps(bytes, 0));
  EXPECT_EQ(bytes, built);

  // 1000 in 3 bytes where 2 would do: valid protobuf, and kept as it came.
  const Bytes loose{0x08, 0xE8, 0x87, 0x00, 0x12, 0x04, 0x18, 0xE8, 0x87, 0x00};
  bytes = loose;
  ASSERT_TRUE(shift_timestamps(bytes, 0));
  EXPECT_EQ(bytes, loose);

  bytes.clear();
  ASSERT_TRUE(shift_timestamps(bytes, 3'600'000));  // an empty payload is a valid message
  EXPECT_TRUE(bytes.empty());
}

// Fields iotgw does not write, of every wire type, and fields out of order
// or given twice: all kept where they were, only the timestamps change.
TEST(SparkplugTimestamps, KeepsEveryOtherFieldInItsPlace) {
  Bytes bytes{
      0x18, 0x05,                                      // 3: seq 5, first
      0x08, 0xE8, 0x07,                                // 1: timestamp 1000
      0x25, 0x01, 0x02, 0x03, 0x04,                    // 4: fixed32, unknown
      0x12, 0x09,                                      // 2: a metric of 9 bytes
      0x18, 0xE8, 0x07,                                //   3: timestamp 1000
      0xA0, 0x01, 0x2A,                                //   20: varint, unknown
      0x0A, 0x01, 'a',                                 //   1: name
      0x29, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,  // 5: fixed64, unknown
      0x08,                                            //
      0x32, 0x02, 0xAB, 0xCD,                          // 6: bytes, unknown
      0x08, 0x01,                                      // 1: timestamp 1, again
  };
  const Bytes expected{
      0x18, 0x05,                                      // 3: seq 5
      0x08, 0xE8, 0xE4, 0xDB, 0x01,                    // 1: timestamp 3,601,000
      0x25, 0x01, 0x02, 0x03, 0x04,                    // 4
      0x12, 0x0B,                                      // 2: a metric of 11 bytes
      0x18, 0xE8, 0xE4, 0xDB, 0x01,                    //   3: timestamp 3,601,000
      0xA0, 0x01, 0x2A,                                //   20
      0x0A, 0x01, 'a',                                 //   1
      0x29, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,  // 5
      0x08,                                            //
      0x32, 0x02, 0xAB, 0xCD,                          // 6
      0x08, 0x81, 0xDD, 0xDB, 0x01,                    // 1: timestamp 3,600,001
  };
  ASSERT_TRUE(shift_timestamps(bytes, 3'600'000));
  EXPECT_EQ(bytes, expected);
}

void expect_refused(const Bytes& hostile) {
  Bytes bytes = hostile;
  EXPECT_FALSE(shift_timestamps(bytes, 3'600'000)) << ::testing::PrintToString(hostile);
  EXPECT_EQ(bytes, hostile);
}

TEST(SparkplugTimestamps, RefusesWhatIsNotAPayload) {
  expect_refused({0x08});        // a key, no value
  expect_refused({0x08, 0x80});  // a varint cut short
  expect_refused({0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                  0x01});  // a varint of 11 bytes
  expect_refused({0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02});  // 65 bits
  expect_refused({0x80});                                            // a key cut short
  expect_refused({0x00, 0x00});                                      // field 0
  expect_refused({0x80, 0x80, 0x80, 0x80, 0x10, 0x00});              // field 2^29, past the largest
  expect_refused({0x0B, 0x0C});                                      // a group (field 1)
  expect_refused({0x1C});                                            // a group's end
  expect_refused({0x0E, 0x00});                                      // wire type 6
  expect_refused({0x0F, 0x00});                                      // wire type 7
  expect_refused({0x25, 0x01, 0x02, 0x03});                          // fixed32 cut short
  expect_refused({0x29, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07});  // fixed64 cut short
  expect_refused({0x32, 0x03, 0x01, 0x02});                          // bytes past the end
  expect_refused({0x12, 0x05, 0x18, 0x01});                          // a metric past the end
  expect_refused({0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01,
                  0x00});                    // a length of 2^64 - 1
  expect_refused({0x12, 0x01, 0x18});        // a metric cut short inside
  expect_refused({0x12, 0x02, 0x0B, 0x0C});  // a group in a metric
  expect_refused({0x09, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08});  // timestamp as fixed64
  expect_refused({0x10, 0x01});                                            // metrics as a varint
  expect_refused({0x12, 0x05, 0x1D, 0x01, 0x02, 0x03, 0x04});  // a metric timestamp as fixed32
  // A good payload with garbage after it.
  Bytes trailing = sample(1000, 1001, 1002);
  trailing.push_back(0xFF);
  expect_refused(trailing);
}

// Cut anywhere, a payload is refused unless the cut falls between two of its
// fields, just as decode() says.
TEST(SparkplugTimestamps, RefusesEveryCutThatDecodeRefuses) {
  const Bytes whole = sample(1000, 1001, 1002);
  for (std::size_t size = 0; size < whole.size(); ++size) {
    const Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(size));
    Bytes bytes = cut;
    const bool shifted = shift_timestamps(bytes, 1);
    EXPECT_EQ(shifted, static_cast<bool>(decode(cut, 10))) << "cut at " << size;
    if (!shifted) {
      EXPECT_EQ(bytes, cut) << "cut at " << size;
    }
  }
}

TEST(SparkplugTimestamps, LeavesRandomBytesAsTheyWereWhenRefused) {
  std::mt19937 random(42);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> size(1, 64);
  int refused = 0;
  for (int i = 0; i < 10'000; ++i) {
    Bytes garbage(size(random));
    for (std::uint8_t& b : garbage) {
      b = static_cast<std::uint8_t>(byte(random));
    }
    Bytes bytes = garbage;
    if (!shift_timestamps(bytes, -3'600'000)) {
      ++refused;
      ASSERT_EQ(bytes, garbage);
    }
  }
  EXPECT_GT(refused, 9'000);
}

}  // namespace
}  // namespace iotgw::bridge::sparkplug
