// A Sparkplug B DCMD as a host sends it (built with the payload encoder),
// and the writes the node makes of it, or the refusal: the same point checks
// as the command topic's (writable, type, range), by metric name or alias.
#include <gtest/gtest.h>

#include "bridge/sparkplug/payload.hpp"
#include "config/load.hpp"
#include "gateway/sparkplug_node.hpp"

namespace iotgw::gateway {
namespace {

namespace sp = bridge::sparkplug;
using Bytes = std::vector<std::uint8_t>;

// Aliases go 1 and up in the order of the configuration: meter/v 1, aux/x 2,
// then boiler's setpoint 3, pump 4, flow 5.
config::Config load() {
  config::LoadResult result = config::load_string(
      "[gateway]\nid = \"gw\"\n[mqtt]\nurl = \"mqtt://b\"\n"
      "[[bus]]\nname = \"a\"\nprotocol = \"modbus-tcp\"\nhost = \"h\"\n"
      "[[bus.device]]\nname = \"meter\"\n"
      "[[bus.device.point]]\nname = \"v\"\naddress = 0\n"
      "[[bus]]\nname = \"b\"\nprotocol = \"modbus-tcp\"\nhost = \"h2\"\n"
      "[[bus.device]]\nname = \"aux\"\n"
      "[[bus.device.point]]\nname = \"x\"\naddress = 0\nwritable = true\n"
      "[[bus.device]]\nname = \"boiler\"\nunit_id = 2\n"
      "[[bus.device.point]]\nname = \"setpoint\"\naddress = 10\ntype = \"int16\"\n"
      "writable = true\nmin = -10\nmax = 80\n"
      "[[bus.device.point]]\nname = \"pump\"\nregister = \"coil\"\naddress = 0\nwritable = true\n"
      "[[bus.device.point]]\nname = \"flow\"\naddress = 20\ntype = \"float32\"\n",
      "/t.toml");
  EXPECT_TRUE(result.config) << (result.diagnostics.empty() ? ""
                                                            : result.diagnostics[0].to_string());
  return std::move(*result.config);
}

sp::Metric by_name(std::string name, sp::DataType type, sp::Value value) {
  sp::Metric metric;
  metric.name = std::move(name);
  metric.type = type;
  metric.send_type = true;
  metric.value = std::move(value);
  return metric;
}

sp::Metric by_alias(std::uint64_t alias, sp::DataType type, sp::Value value) {
  sp::Metric metric;
  metric.alias = alias;
  metric.type = type;
  metric.send_type = true;
  metric.value = std::move(value);
  return metric;
}

// A DCMD payload with these metrics.
Bytes dcmd(std::vector<sp::Metric> metrics) {
  sp::Payload payload;
  payload.timestamp = 1795633200000;
  payload.metrics = std::move(metrics);
  auto encoded = sp::encode(payload);
  EXPECT_TRUE(encoded) << (encoded ? "" : encoded.error());
  return encoded ? *encoded : Bytes{};
}

class SparkplugDeviceCommandTest : public testing::Test {
 protected:
  Result<std::vector<SparkplugWrite>> parse(std::string_view device, const Bytes& payload) const {
    return parse_device_command(config_, model_, device, payload);
  }

  // The code of the refusal, which must say why; a failure when accepted.
  Errc refusal(std::string_view device, const Bytes& payload) const {
    const Result<std::vector<SparkplugWrite>> writes = parse(device, payload);
    if (writes) {
      ADD_FAILURE() << "accepted, " << writes->size() << " writes";
      return Errc::not_a_command;
    }
    EXPECT_FALSE(writes.error().detail.empty());
    return writes.error().code;
  }

  config::Config config_ = load();
  SparkplugModel model_{config_, "plant-1", "gw"};
  const config::Device& boiler_ = config_.buses[1].devices[1];
};

TEST_F(SparkplugDeviceCommandTest, TheAliasesAreThoseOfTheModel) {
  EXPECT_EQ(model_.alias_of(boiler_, 0), 3u);
  EXPECT_EQ(model_.alias_of(boiler_, 2), 5u);
}

TEST_F(SparkplugDeviceCommandTest, WritesByNameAndByAliasInTheirOrder) {
  const auto writes =
      parse("boiler", dcmd({by_name("setpoint", sp::DataType::int16, std::int64_t{21}),
                            by_alias(4, sp::DataType::boolean, true),
                            by_alias(3, sp::DataType::int16, std::int64_t{80})}));
  ASSERT_TRUE(writes) << writes.error().detail;
  ASSERT_EQ(writes->size(), 3u);
  for (const SparkplugWrite& write : *writes) {
    EXPECT_EQ(write.device.bus, 1u);
    EXPECT_EQ(write.device.device, 1u);
  }
  EXPECT_EQ((*writes)[0].point, 0u);
  EXPECT_EQ((*writes)[0].value, drivers::Value(21.0));
  EXPECT_EQ((*writes)[1].point, 1u);
  EXPECT_EQ((*writes)[1].value, drivers::Value(true));
  EXPECT_EQ((*writes)[2].point, 0u);
  EXPECT_EQ((*writes)[2].value, drivers::Value(80.0));  // max itself is allowed
}

TEST_F(SparkplugDeviceCommandTest, ANegativeInt16ComesTwosComplementAndIsWrittenSigned) {
  const Bytes payload = dcmd({by_name("setpoint", sp::DataType::int16, std::int64_t{-7})});
  // On the wire: int_value, the 32 bits of -7.
  const auto received = sp::decode(payload, 64);
  ASSERT_TRUE(received);
  ASSERT_EQ(received->metrics.size(), 1u);
  EXPECT_EQ(std::get<std::uint32_t>(received->metrics[0].value), 0xFFFF'FFF9u);

  const auto writes = parse("boiler", payload);
  ASSERT_TRUE(writes) << writes.error().detail;
  ASSERT_EQ(writes->size(), 1u);
  EXPECT_EQ((*writes)[0].point, 0u);
  EXPECT_EQ((*writes)[0].value, drivers::Value(-7.0));

  // min itself, by alias.
  const auto at_min = parse("boiler", dcmd({by_alias(3, sp::DataType::int16, std::int64_t{-10})}));
  ASSERT_TRUE(at_min) << at_min.error().detail;
  EXPECT_EQ((*at_min)[0].value, drivers::Value(-10.0));
}

TEST_F(SparkplugDeviceCommandTest, WritesToTheDeviceNamedWhereverItIs) {
  const auto writes = parse("aux", dcmd({by_alias(2, sp::DataType::uint16, std::uint64_t{7})}));
  ASSERT_TRUE(writes) << writes.error().detail;
  ASSERT_EQ(writes->size(), 1u);
  EXPECT_EQ((*writes)[0].device.bus, 1u);
  EXPECT_EQ((*writes)[0].device.device, 0u);
  EXPECT_EQ((*writes)[0].point, 0u);
  EXPECT_EQ((*writes)[0].value, drivers::Value(7.0));
}

TEST_F(SparkplugDeviceCommandTest, RefusesAnUnknownDevice) {
  const Bytes payload = dcmd({by_name("setpoint", sp::DataType::int16, std::int64_t{21})});
  EXPECT_EQ(refusal("nope", payload), Errc::unknown_device);
  EXPECT_EQ(refusal("", payload), Errc::unknown_device);
}

TEST_F(SparkplugDeviceCommandTest, RefusesAMetricThatNamesNoPointOfTheDevice) {
  EXPECT_EQ(refusal("boiler", dcmd({by_name("nosuch", sp::DataType::int16, std::int64_t{1})})),
            Errc::unknown_point);
  // A point of another device, by name and by alias.
  EXPECT_EQ(refusal("boiler", dcmd({by_name("x", sp::DataType::uint16, std::uint64_t{1})})),
            Errc::unknown_point);
  EXPECT_EQ(refusal("boiler", dcmd({by_alias(2, sp::DataType::uint16, std::uint64_t{1})})),
            Errc::unknown_point);
  EXPECT_EQ(refusal("boiler", dcmd({by_alias(1, sp::DataType::uint16, std::uint64_t{1})})),
            Errc::unknown_point);
  // Past the device's last alias, and past every alias.
  EXPECT_EQ(refusal("aux", dcmd({by_alias(3, sp::DataType::int16, std::int64_t{1})})),
            Errc::unknown_point);
  EXPECT_EQ(refusal("boiler", dcmd({by_alias(6, sp::DataType::int16, std::int64_t{1})})),
            Errc::unknown_point);
  EXPECT_EQ(refusal("boiler", dcmd({by_alias(0, sp::DataType::int16, std::int64_t{1})})),
            Errc::unknown_point);
}

TEST_F(SparkplugDeviceCommandTest, RefusesAPointNotWritable) {
  EXPECT_EQ(refusal("boiler", dcmd({by_name("flow", sp::DataType::float32, 1.5f)})),
            Errc::not_writable);
  EXPECT_EQ(refusal("boiler", dcmd({by_alias(5, sp::DataType::float32, 1.5f)})),
            Errc::not_writable);
}

TEST_F(SparkplugDeviceCommandTest, RefusesAValueOutOfRange) {
  EXPECT_EQ(refusal("boiler", dcmd({by_name("setpoint", sp::DataType::int16, std::int64_t{81})})),
            Errc::invalid_value);
  EXPECT_EQ(refusal("boiler", dcmd({by_name("setpoint", sp::DataType::int16, std::int64_t{-11})})),
            Errc::invalid_value);
  EXPECT_EQ(refusal("boiler", dcmd({by_name("pump", sp::DataType::int32, std::int64_t{2})})),
            Errc::invalid_value);
}

TEST_F(SparkplugDeviceCommandTest, RefusesAValueOfTheWrongType) {
  EXPECT_EQ(refusal("boiler", dcmd({by_name("setpoint", sp::DataType::string, "21")})),
            Errc::invalid_value);
  EXPECT_EQ(refusal("boiler", dcmd({by_name("pump", sp::DataType::string, "true")})),
            Errc::invalid_value);
}

TEST_F(SparkplugDeviceCommandTest, RefusesANullValue) {
  EXPECT_EQ(refusal("boiler", dcmd({by_name("setpoint", sp::DataType::int16, {})})),
            Errc::no_value);
  EXPECT_EQ(refusal("boiler", dcmd({by_alias(4, sp::DataType::boolean, {})})), Errc::no_value);
}

TEST_F(SparkplugDeviceCommandTest, RefusesACommandWithoutMetrics) {
  EXPECT_EQ(refusal("boiler", dcmd({})), Errc::no_value);
}

TEST_F(SparkplugDeviceCommandTest, RefusesMalformedBytes) {
  EXPECT_EQ(refusal("boiler", Bytes{0xFF, 0xFF, 0xFF}), Errc::malformed_payload);
  Bytes cut = dcmd({by_name("setpoint", sp::DataType::int16, std::int64_t{21})});
  cut.pop_back();
  EXPECT_EQ(refusal("boiler", cut), Errc::malformed_payload);
}

TEST_F(SparkplugDeviceCommandTest, TakesUpTo64MetricsAndRefusesMore) {
  std::vector<sp::Metric> metrics(64, by_name("pump", sp::DataType::boolean, true));
  const auto writes = parse("boiler", dcmd(metrics));
  ASSERT_TRUE(writes) << writes.error().detail;
  EXPECT_EQ(writes->size(), 64u);
  metrics.push_back(by_name("pump", sp::DataType::boolean, false));
  EXPECT_EQ(refusal("boiler", dcmd(metrics)), Errc::malformed_payload);
}

// One refusal refuses the whole command: no write of it is made.
TEST_F(SparkplugDeviceCommandTest, OneMetricRefusedRefusesThemAll) {
  EXPECT_EQ(refusal("boiler", dcmd({by_name("pump", sp::DataType::boolean, true),
                                    by_name("flow", sp::DataType::float32, 1.5f)})),
            Errc::not_writable);
  EXPECT_EQ(refusal("boiler", dcmd({by_name("setpoint", sp::DataType::int16, std::int64_t{21}),
                                    by_name("setpoint", sp::DataType::int16, std::int64_t{90})})),
            Errc::invalid_value);
}

}  // namespace
}  // namespace iotgw::gateway
