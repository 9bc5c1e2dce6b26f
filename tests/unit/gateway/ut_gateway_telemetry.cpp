#include <cmath>

#include <gtest/gtest.h>

#include "config/load.hpp"
#include "gateway/json_text.hpp"
#include "gateway/telemetry.hpp"

namespace iotgw::gateway {
namespace {

using namespace std::chrono_literals;

config::Config load(const std::string& extra = "") {
  config::LoadResult result = config::load_string(
      "[gateway]\nid = \"gw1\"\n[mqtt]\nurl = \"mqtt://b\"\ntopic_prefix = \"site\"\n" + extra +
          "[[bus]]\nname = \"b\"\nprotocol = \"modbus-tcp\"\nhost = \"h\"\n"
          "[[bus.device]]\nname = \"boiler\"\n"
          "[[bus.device.point]]\nname = \"flow_temp\"\naddress = 0\ntype = \"float32\"\n"
          "unit = \"°C\"\n"
          "[[bus.device.point]]\nname = \"model\"\naddress = 4\ntype = \"string\"\nlength = 8\n",
      "/t.toml");
  EXPECT_TRUE(result.config) << (result.diagnostics.empty() ? ""
                                                            : result.diagnostics[0].to_string());
  return std::move(*result.config);
}

drivers::Reading reading(const config::Config& config, std::size_t point,
                         std::optional<drivers::Value> value, drivers::Quality quality = {}) {
  const config::Device& device = config.buses[0].devices[0];
  // 2026-11-25T19:00:00.123Z
  const auto wall = std::chrono::system_clock::time_point(1795633200s + 123ms);
  return {&device, &device.points[point], std::move(value), quality, wall, {}, {}};
}

TEST(JsonText, WritesTimestampsValuesAndEscapes) {
  std::string out;
  append_timestamp(out, std::chrono::system_clock::time_point(1795633200s + 7ms));
  EXPECT_EQ(out, "2026-11-25T19:00:00.007Z");
  out.clear();
  append_json_string(out, "a\"b\\c\n\x01");
  EXPECT_EQ(out, R"j("a\"b\\c\n\u0001")j");
  out.clear();
  append_json_value(out, drivers::Value(0.1));
  out += ' ';
  append_json_value(out, drivers::Value(std::int64_t{-5}));
  out += ' ';
  append_json_value(out, drivers::Value(std::uint64_t{18446744073709551615ULL}));
  out += ' ';
  append_json_value(out, drivers::Value(std::nan("")));
  EXPECT_EQ(out, "0.1 -5 18446744073709551615 null");
}

TEST(JsonText, ReplacesBytesThatAreNotUtf8) {
  std::string out;
  // Register bytes 41 FF FE 42: each stray byte becomes U+FFFD.
  append_json_string(out,
                     "A\xFF\xFE"
                     "B");
  EXPECT_EQ(out,
            "\"A\xEF\xBF\xBD\xEF\xBF\xBD"
            "B\"");
  out.clear();
  // Well-formed sequences of two, three and four bytes pass as they are.
  append_json_string(out, "\xC2\xB0 \xE2\x82\xAC \xF0\x9F\x94\xA5");
  EXPECT_EQ(out, "\"\xC2\xB0 \xE2\x82\xAC \xF0\x9F\x94\xA5\"");
  out.clear();
  // An overlong "/", a surrogate, a code point past U+10FFFF, a cut sequence.
  append_valid_utf8(out, "\xC0\xAF|\xED\xA0\x80|\xF4\x90\x80\x80|\xE2\x82");
  EXPECT_EQ(out,
            "\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|"
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Telemetry, StringPointsPublishValidUtf8) {
  const config::Config config = load();
  const Telemetry telemetry(config);
  EXPECT_EQ(telemetry
                .message(reading(config, 1,
                                 std::string("A\xFF\xFE"
                                             "B")),
                         false)
                ->payload,
            "{\"ts\":\"2026-11-25T19:00:00.123Z\",\"value\":\"A\xEF\xBF\xBD\xEF\xBF\xBD"
            "B\","
            "\"quality\":\"good\"}");
  const config::Config bare = load("[telemetry]\npayload = \"value\"\n");
  EXPECT_EQ(Telemetry(bare).message(reading(bare, 1, std::string("A\xFF")), false)->payload,
            "A\xEF\xBF\xBD");
}

TEST(Telemetry, PrintsFloat32ValuesAtTheirOwnPrecision) {
  const config::Config config = load();
  const Telemetry telemetry(config);
  const double widened = static_cast<double>(56.11f);  // 56.11000061035156
  EXPECT_EQ(telemetry.message(reading(config, 0, widened), false)->payload,
            R"j({"ts":"2026-11-25T19:00:00.123Z","value":56.11,"unit":"°C","quality":"good"})j");
}

TEST(Telemetry, GivesEveryPointOfEveryDeviceItsOwnTopic) {
  const config::Config config = load();
  const Telemetry telemetry(config);
  EXPECT_EQ(telemetry.message(reading(config, 0, 23.5), false)->topic, "site/gw1/boiler/flow_temp");
  EXPECT_EQ(telemetry.message(reading(config, 1, std::string("X1")), false)->topic,
            "site/gw1/boiler/model");

  config::LoadResult two = config::load_string(
      "[gateway]\nid = \"gw1\"\n[mqtt]\nurl = \"mqtt://b\"\n"
      "[[bus]]\nname = \"b\"\nprotocol = \"modbus-tcp\"\nhost = \"h\"\n"
      "[[bus.device]]\nname = \"boiler\"\n[[bus.device.point]]\nname = \"t\"\naddress = 0\n"
      "[[bus.device]]\nname = \"pump\"\n[[bus.device.point]]\nname = \"t\"\naddress = 0\n"
      "[[bus.device.point]]\nname = \"speed\"\naddress = 1\n",
      "/t.toml");
  ASSERT_TRUE(two.config);
  const Telemetry per_point(*two.config);
  const config::Device& pump = two.config->buses[0].devices[1];
  drivers::Reading speed{&pump, &pump.points[1], drivers::Value(std::int64_t{1450}), {}, {}, {},
                         {}};
  EXPECT_EQ(per_point.message(speed, false)->topic, "iotgw/gw1/pump/speed");
  speed.point = &pump.points[0];
  EXPECT_EQ(per_point.message(speed, false)->topic, "iotgw/gw1/pump/t");
  const config::Device& boiler = two.config->buses[0].devices[0];
  EXPECT_EQ(
      per_point.message({&boiler, &boiler.points[0], drivers::Value(1.0), {}, {}, {}, {}}, false)
          ->topic,
      "iotgw/gw1/boiler/t");
}

TEST(Telemetry, FormatsTheJsonPayload) {
  const config::Config config = load();
  const Telemetry telemetry(config);
  auto message = telemetry.message(reading(config, 0, 23.5), false);
  ASSERT_TRUE(message);
  EXPECT_EQ(message->topic, "site/gw1/boiler/flow_temp");
  EXPECT_EQ(message->payload,
            R"j({"ts":"2026-11-25T19:00:00.123Z","value":23.5,"unit":"°C","quality":"good"})j");
  message = telemetry.message(reading(config, 1, std::string("WX \"2\"")), false);
  EXPECT_EQ(message->payload,
            R"j({"ts":"2026-11-25T19:00:00.123Z","value":"WX \"2\"","quality":"good"})j");
}

TEST(Telemetry, ReportsBadQualityWithANullValue) {
  const config::Config config = load();
  const Telemetry telemetry(config);
  drivers::Quality exception{.kind = drivers::Quality::Kind::exception, .exception_code = 2};
  EXPECT_EQ(
      telemetry.message(reading(config, 0, std::nullopt, exception), false)->payload,
      R"j({"ts":"2026-11-25T19:00:00.123Z","value":null,"unit":"°C","quality":"exception:illegal_data_address"})j");
  EXPECT_EQ(
      telemetry.message(reading(config, 0, std::nan("")), false)->payload,
      R"j({"ts":"2026-11-25T19:00:00.123Z","value":null,"unit":"°C","quality":"bad_value"})j");
}

TEST(Telemetry, ValueFormatPublishesBareGoodValuesOnly) {
  const config::Config config = load("[telemetry]\npayload = \"value\"\n");
  const Telemetry telemetry(config);
  EXPECT_EQ(telemetry.message(reading(config, 0, 23.5), false)->payload, "23.5");
  EXPECT_EQ(telemetry.message(reading(config, 1, std::string("WX-2")), false)->payload, "WX-2");
  EXPECT_FALSE(telemetry.message(
      reading(config, 0, std::nullopt, {.kind = drivers::Quality::Kind::timeout}), false));
}

TEST(Telemetry, DeviceJsonPutsOnePollInOneObjectOnTheDeviceTopic) {
  const config::Config config =
      load("[telemetry]\ntopic = \"{prefix}/{gateway}/{device}\"\npayload = \"device_json\"\n");
  const Telemetry telemetry(config);
  EXPECT_TRUE(telemetry.per_device());
  std::vector<drivers::Reading> poll{
      reading(config, 0, static_cast<double>(21.5f)),
      reading(config, 1, std::nullopt, {.kind = drivers::Quality::Kind::timeout})};
  poll[1].wall_time += 40ms;  // a later request of the same poll; the object has the first time
  const auto message = telemetry.device_message(poll, false);
  ASSERT_TRUE(message);
  EXPECT_EQ(message->topic, "site/gw1/boiler");
  EXPECT_EQ(message->payload, R"j({"ts":"2026-11-25T19:00:00.123Z","values":{)j"
                              R"j("flow_temp":{"value":21.5,"unit":"°C","quality":"good"},)j"
                              R"j("model":{"value":null,"quality":"timeout"}}})j");
  EXPECT_FALSE(telemetry.device_message({}, false));
}

TEST(Telemetry, OtherFormatsAreNotPerDevice) {
  EXPECT_FALSE(Telemetry(load()).per_device());
  EXPECT_FALSE(Telemetry(load("[telemetry]\npayload = \"value\"\n")).per_device());
}

TEST(Telemetry, MarksABacklogReadingInTheJsonFormatsOnly) {
  const config::Config config = load();
  EXPECT_EQ(
      Telemetry(config).message(reading(config, 0, 23.5), true)->payload,
      R"j({"ts":"2026-11-25T19:00:00.123Z","value":23.5,"unit":"°C","quality":"good","backfill":true})j");
  const config::Config per_device =
      load("[telemetry]\ntopic = \"{prefix}/{gateway}/{device}\"\npayload = \"device_json\"\n");
  const std::vector<drivers::Reading> poll{reading(per_device, 0, 21.5)};
  EXPECT_EQ(Telemetry(per_device).device_message(poll, true)->payload,
            R"j({"ts":"2026-11-25T19:00:00.123Z","values":{)j"
            R"j("flow_temp":{"value":21.5,"unit":"°C","quality":"good"}},"backfill":true})j");
  const config::Config bare = load("[telemetry]\npayload = \"value\"\n");
  EXPECT_EQ(Telemetry(bare).message(reading(bare, 0, 23.5), true)->payload, "23.5");
}

}  // namespace
}  // namespace iotgw::gateway
