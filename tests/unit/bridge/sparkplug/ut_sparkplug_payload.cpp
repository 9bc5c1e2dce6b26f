// Sparkplug B payloads: the wire bytes of what iotgw sends, and the bounds on
// what it accepts. That other decoders read the bytes alike is shown by
// tests/integration/17-sparkplug-payload.py, with Eclipse Tahu's own decoder.
#include <gtest/gtest.h>

#include "bridge/sparkplug/payload.hpp"

namespace iotgw::bridge::sparkplug {
namespace {

std::vector<std::uint8_t> bytes_of(const Payload& payload) {
  auto encoded = encode(payload);
  EXPECT_TRUE(encoded) << (encoded ? "" : encoded.error());
  return encoded ? *encoded : std::vector<std::uint8_t>{};
}

ReceivedPayload decoded(const std::vector<std::uint8_t>& bytes, std::size_t max_metrics = 100) {
  auto payload = decode(bytes, max_metrics);
  EXPECT_TRUE(payload) << (payload ? "" : payload.error());
  return payload ? *payload : ReceivedPayload{};
}

// Field numbers and wire types of sparkplug_b.proto, byte by byte.
TEST(SparkplugPayload, EncodesABirthMetricByteForByte) {
  const Payload payload{.timestamp = 1000,
                        .seq = 0,
                        .metrics = {{.name = "a",
                                     .alias = 1,
                                     .timestamp = std::nullopt,
                                     .type = DataType::int8,
                                     .send_type = true,
                                     .is_historical = false,
                                     .value = std::int64_t{-5},
                                     .eng_unit = {}}}};
  const std::vector<std::uint8_t> expected{
      0x08, 0xE8, 0x07,  // 1: timestamp 1000
      0x12, 0x0D,        // 2: a metric of 13 bytes
      0x0A, 0x01, 'a',   //   1: name
      0x10, 0x01,        //   2: alias 1
      0x20, 0x01,        //   4: datatype Int8
      // 10: int_value, -5 sign-extended to 32 bits
      0x50, 0xFB, 0xFF, 0xFF, 0xFF, 0x0F, 0x18, 0x00,  // 3: seq 0
  };
  EXPECT_EQ(bytes_of(payload), expected);
}

TEST(SparkplugPayload, EachTypeTravelsInItsField) {
  const auto metric = [](DataType type, Value value) {
    return Metric{.name = "m",
                  .alias = std::nullopt,
                  .timestamp = 5,
                  .type = type,
                  .send_type = true,
                  .is_historical = true,
                  .value = std::move(value),
                  .eng_unit = "kWh"};
  };
  const Payload payload{
      .timestamp = 7,
      .seq = 255,
      .metrics = {metric(DataType::int16, std::int64_t{-300}),
                  metric(DataType::uint16, std::uint64_t{65535}),
                  metric(DataType::uint32, std::uint64_t{4'000'000'000}),
                  metric(DataType::int64, std::int64_t{-1'234'567'890'123}),
                  metric(DataType::float32, 21.5f), metric(DataType::float64, 0.1),
                  metric(DataType::boolean, true), metric(DataType::string, std::string("SN-42")),
                  metric(DataType::float64, std::monostate{})}};
  const ReceivedPayload back = decoded(bytes_of(payload));
  EXPECT_EQ(back.timestamp, 7u);
  EXPECT_EQ(back.seq, 255u);
  ASSERT_EQ(back.metrics.size(), 9u);
  EXPECT_EQ(std::get<std::uint32_t>(back.metrics[0].value), static_cast<std::uint32_t>(-300));
  EXPECT_EQ(std::get<std::uint32_t>(back.metrics[1].value), 65535u);
  EXPECT_EQ(std::get<std::uint64_t>(back.metrics[2].value), 4'000'000'000u);
  EXPECT_EQ(static_cast<std::int64_t>(std::get<std::uint64_t>(back.metrics[3].value)),
            -1'234'567'890'123);
  EXPECT_EQ(std::get<float>(back.metrics[4].value), 21.5f);
  EXPECT_EQ(std::get<double>(back.metrics[5].value), 0.1);
  EXPECT_TRUE(std::get<bool>(back.metrics[6].value));
  EXPECT_EQ(std::get<std::string>(back.metrics[7].value), "SN-42");
  EXPECT_TRUE(back.metrics[8].is_null);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(back.metrics[8].value));
  EXPECT_EQ(back.metrics[0].datatype, static_cast<std::uint32_t>(DataType::int16));
}

TEST(SparkplugPayload, DataMessagesCarryNeitherNameNorType) {
  const Payload payload{.timestamp = 1,
                        .seq = 3,
                        .metrics = {{.name = {},
                                     .alias = 42,
                                     .timestamp = 1,
                                     .type = DataType::float64,
                                     .send_type = false,
                                     .is_historical = false,
                                     .value = 1.0,
                                     .eng_unit = {}}}};
  const ReceivedPayload back = decoded(bytes_of(payload));
  ASSERT_EQ(back.metrics.size(), 1u);
  EXPECT_EQ(back.metrics[0].name, "");
  EXPECT_EQ(back.metrics[0].alias, 42u);
  EXPECT_FALSE(back.metrics[0].datatype);
}

TEST(SparkplugPayload, RefusesWhatDoesNotFitRatherThanCutIt) {
  Payload payload{.timestamp = 1, .seq = 0, .metrics = {{}}};
  payload.metrics[0].name = std::string(max_name_bytes + 1, 'n');
  EXPECT_FALSE(encode(payload));
  payload.metrics[0].name = "ok";
  payload.metrics[0].type = DataType::string;
  payload.metrics[0].value = std::string(max_string_bytes + 1, 's');
  EXPECT_FALSE(encode(payload));
  payload.metrics[0].value = std::string(max_string_bytes, 's');
  EXPECT_TRUE(encode(payload));
}

TEST(SparkplugPayload, SeqIsAddedOnTheWayOut) {
  const Payload data{.timestamp = 1, .seq = std::nullopt, .metrics = {}};
  std::vector<std::uint8_t> bytes = bytes_of(data);
  append_seq(bytes, 127);
  EXPECT_EQ(decoded(bytes).seq, 127u);
  bytes = bytes_of(data);
  append_seq(bytes, 255);
  EXPECT_EQ(std::vector<std::uint8_t>(bytes.end() - 3, bytes.end()),
            (std::vector<std::uint8_t>{0x18, 0xFF, 0x01}));
  EXPECT_EQ(decoded(bytes).seq, 255u);
  // A payload that had one already: the last counts.
  bytes = bytes_of({.timestamp = 1, .seq = 9, .metrics = {}});
  append_seq(bytes, 0);
  EXPECT_EQ(decoded(bytes).seq, 0u);
}

// What a host's NCMD or DCMD may hold is bounded; anything else is refused
// with a reason, never a crash.
TEST(SparkplugPayload, RefusesHostilePayloads) {
  Payload many{.timestamp = 1, .seq = std::nullopt, .metrics = {}};
  for (int i = 0; i < 11; ++i) {
    Metric& metric = many.metrics.emplace_back();
    metric.name = "m" + std::to_string(i);
    metric.value = 1.0;
  }
  const std::vector<std::uint8_t> eleven = bytes_of(many);
  EXPECT_TRUE(decode(eleven, 11));
  const auto refused = decode(eleven, 10);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), "more than 10 metrics");

  std::vector<std::uint8_t> truncated = eleven;
  truncated.resize(truncated.size() - 3);
  EXPECT_FALSE(decode(truncated, 100));

  // A name longer than the schema's bound, written by hand: field 2, then a
  // metric whose field 1 claims 300 bytes.
  std::vector<std::uint8_t> long_name{0x12, 0xAF, 0x02, 0x0A, 0xAC, 0x02};
  long_name.resize(long_name.size() + 300, 'x');
  const auto too_long = decode(long_name, 100);
  ASSERT_FALSE(too_long);
  EXPECT_NE(too_long.error().find("not a Sparkplug B payload"), std::string::npos);

  EXPECT_FALSE(decode(std::vector<std::uint8_t>{0xFF, 0xFF, 0xFF}, 100));
  EXPECT_TRUE(decode(std::vector<std::uint8_t>{}, 100));  // an empty payload is a valid message
}

}  // namespace
}  // namespace iotgw::bridge::sparkplug
