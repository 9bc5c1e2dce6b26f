// The Sparkplug B model of the configured buses: topics, aliases, data types
// and the payloads of births, data and deaths (Sparkplug 3.0 chapters 4-6).
#include <gtest/gtest.h>

#include "config/load.hpp"
#include "gateway/sparkplug_model.hpp"

namespace iotgw::gateway {
namespace {

using namespace std::chrono_literals;
namespace sp = bridge::sparkplug;

config::Config load() {
  config::LoadResult result = config::load_string(
      "[gateway]\nid = \"gw1\"\n[mqtt]\nurl = \"mqtt://b\"\n"
      "[[bus]]\nname = \"b\"\nprotocol = \"modbus-tcp\"\nhost = \"h\"\n"
      "[[bus.device]]\nname = \"boiler\"\n"
      "[[bus.device.point]]\nname = \"flow_temp\"\naddress = 0\ntype = \"float32\"\n"
      "unit = \"°C\"\n"
      "[[bus.device.point]]\nname = \"pressure\"\naddress = 2\nscale = 0.01\nunit = \"bar\"\n"
      "[[bus.device.point]]\nname = \"offset\"\naddress = 3\ntype = \"int16\"\n"
      "[[bus.device]]\nname = \"pump\"\nunit_id = 2\n"
      "[[bus.device.point]]\nname = \"running\"\nregister = \"coil\"\naddress = 0\n"
      "[[bus.device.point]]\nname = \"model\"\naddress = 4\ntype = \"string\"\nlength = 8\n",
      "/t.toml");
  EXPECT_TRUE(result.config) << (result.diagnostics.empty() ? ""
                                                            : result.diagnostics[0].to_string());
  return std::move(*result.config);
}

class SparkplugModelTest : public testing::Test {
 protected:
  drivers::Reading reading(std::size_t device, std::size_t point,
                           std::optional<drivers::Value> value,
                           drivers::Quality quality = {}) const {
    const config::Device& d = config_.buses[0].devices[device];
    return {&d, &d.points[point], std::move(value), quality, taken_, {}, {}};
  }

  config::Config config_ = load();
  SparkplugModel model_{config_, "plant-1", "pump-house"};
  // 2026-11-25T19:00:00.123Z
  std::chrono::system_clock::time_point taken_{1795633200s + 123ms};
  const config::Device& boiler_ = config_.buses[0].devices[0];
  const config::Device& pump_ = config_.buses[0].devices[1];
};

TEST_F(SparkplugModelTest, NamesTopicsInTheSparkplugNamespace) {
  EXPECT_EQ(model_.topic(SparkplugMessage::nbirth), "spBv1.0/plant-1/NBIRTH/pump-house");
  EXPECT_EQ(model_.topic(SparkplugMessage::ndeath), "spBv1.0/plant-1/NDEATH/pump-house");
  EXPECT_EQ(model_.topic(SparkplugMessage::ncmd), "spBv1.0/plant-1/NCMD/pump-house");
  EXPECT_EQ(model_.topic(SparkplugMessage::dbirth, pump_),
            "spBv1.0/plant-1/DBIRTH/pump-house/pump");
  EXPECT_EQ(model_.topic(SparkplugMessage::dcmd, boiler_),
            "spBv1.0/plant-1/DCMD/pump-house/boiler");
}

TEST_F(SparkplugModelTest, AliasesAreUniqueInTheNodeInConfigurationOrder) {
  EXPECT_EQ(model_.alias_of(boiler_, 0), 1u);
  EXPECT_EQ(model_.alias_of(boiler_, 2), 3u);
  EXPECT_EQ(model_.alias_of(pump_, 0), 4u);
  EXPECT_EQ(model_.alias_of(pump_, 1), 5u);
}

TEST_F(SparkplugModelTest, DataTypesFollowThePointsTypeAndScaling) {
  EXPECT_EQ(data_type_of(boiler_.points[0]), sp::DataType::float32);
  EXPECT_EQ(data_type_of(boiler_.points[1]), sp::DataType::float64);  // scaled uint16
  EXPECT_EQ(data_type_of(boiler_.points[2]), sp::DataType::int16);
  EXPECT_EQ(data_type_of(pump_.points[0]), sp::DataType::boolean);
  EXPECT_EQ(data_type_of(pump_.points[1]), sp::DataType::string);
}

// bdSeq is Int64 in both (tck-id-payloads-ndeath-bdseq, -nbirth-bdseq);
// Node Control/Rebirth is Boolean false and has no alias.
TEST_F(SparkplugModelTest, TheNodeDiesAndIsBornWithTheSameBdSeq) {
  const sp::Payload death = model_.node_death(7);
  EXPECT_FALSE(death.seq);
  ASSERT_EQ(death.metrics.size(), 1u);
  EXPECT_EQ(death.metrics[0].name, "bdSeq");
  EXPECT_EQ(death.metrics[0].type, sp::DataType::int64);
  EXPECT_EQ(std::get<std::int64_t>(death.metrics[0].value), 7);

  const sp::Payload birth = model_.node_birth(7, 1000);
  EXPECT_FALSE(birth.seq);  // numbered as it goes out
  EXPECT_EQ(birth.timestamp, 1000u);
  ASSERT_EQ(birth.metrics.size(), 2u);
  EXPECT_EQ(std::get<std::int64_t>(birth.metrics[0].value), 7);
  EXPECT_EQ(birth.metrics[1].name, "Node Control/Rebirth");
  EXPECT_EQ(birth.metrics[1].type, sp::DataType::boolean);
  EXPECT_FALSE(birth.metrics[1].alias);
  EXPECT_FALSE(std::get<bool>(birth.metrics[1].value));
  EXPECT_TRUE(birth.metrics[1].send_type);
}

TEST_F(SparkplugModelTest, ADeviceBirthNamesEveryPointWithItsLastValue) {
  model_.remember(reading(0, 0, 21.5));
  model_.remember(reading(0, 2, drivers::Value(std::int64_t{-4})));
  model_.remember(reading(0, 1, std::nullopt, {.kind = drivers::Quality::Kind::timeout}));
  const sp::Payload birth = model_.device_birth(boiler_, 2000);
  EXPECT_FALSE(birth.seq);
  ASSERT_EQ(birth.metrics.size(), 3u);
  const sp::Metric& flow = birth.metrics[0];
  EXPECT_EQ(flow.name, "flow_temp");
  EXPECT_EQ(flow.alias, 1u);
  EXPECT_TRUE(flow.send_type);
  EXPECT_EQ(flow.type, sp::DataType::float32);
  EXPECT_EQ(std::get<float>(flow.value), 21.5f);
  EXPECT_EQ(flow.eng_unit, "°C");
  EXPECT_EQ(flow.timestamp, 2000u);
  // Never read well: null, still with its data type.
  EXPECT_TRUE(std::holds_alternative<std::monostate>(birth.metrics[1].value));
  EXPECT_EQ(birth.metrics[1].type, sp::DataType::float64);
  EXPECT_EQ(std::get<std::int64_t>(birth.metrics[2].value), -4);
  EXPECT_TRUE(sp::encode(birth));
}

TEST_F(SparkplugModelTest, DeviceDataCarriesAliasesTimesAndTheHistoricalMark) {
  const std::vector<drivers::Reading> poll{
      reading(1, 0, drivers::Value(true)),
      reading(1, 1, std::nullopt,
              {.kind = drivers::Quality::Kind::exception, .exception_code = 2})};
  const sp::Payload live = model_.device_data(poll, false);
  EXPECT_FALSE(live.seq);
  EXPECT_EQ(live.timestamp, 1795633200123u);
  ASSERT_EQ(live.metrics.size(), 2u);
  EXPECT_EQ(live.metrics[0].name, "");
  EXPECT_EQ(live.metrics[0].alias, 4u);
  EXPECT_FALSE(live.metrics[0].send_type);
  EXPECT_TRUE(std::get<bool>(live.metrics[0].value));
  EXPECT_EQ(live.metrics[0].timestamp, 1795633200123u);
  EXPECT_FALSE(live.metrics[0].is_historical);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(live.metrics[1].value));

  const sp::Payload backlog = model_.device_data(poll, true);
  EXPECT_TRUE(backlog.metrics[0].is_historical);
  EXPECT_TRUE(backlog.metrics[1].is_historical);
  EXPECT_TRUE(model_.device_data({}, false).metrics.empty());
}

TEST_F(SparkplugModelTest, ADeviceDeathIsTimeAndSeqAlone) {
  const sp::Payload death = model_.device_death(3000);
  EXPECT_FALSE(death.seq);
  EXPECT_EQ(death.timestamp, 3000u);
  EXPECT_TRUE(death.metrics.empty());
}

}  // namespace
}  // namespace iotgw::gateway
