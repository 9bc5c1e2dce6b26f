// Home Assistant discovery messages: topics, components, and every field Home
// Assistant's MQTT integration documents as required for each component.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "config/load.hpp"
#include "gateway/homeassistant_discovery.hpp"

namespace iotgw::gateway {
namespace {

using Json = nlohmann::json;

constexpr const char* points =
    "[[bus]]\nname = \"b\"\nprotocol = \"modbus-tcp\"\nhost = \"h\"\n"
    "[[bus.device]]\nname = \"boiler\"\n"
    "[[bus.device.point]]\nname = \"flow_temp\"\naddress = 0\ntype = \"float32\"\nunit = \"°C\"\n"
    "[[bus.device.point]]\nname = \"setpoint\"\naddress = 10\ntype = \"int16\"\nscale = 0.1\n"
    "unit = \"°C\"\nwritable = true\nmin = 5\nmax = 80\n"
    "[[bus.device.point]]\nname = \"pump\"\nregister = \"coil\"\naddress = 0\nwritable = true\n"
    "[[bus.device.point]]\nname = \"alarm\"\nregister = \"discrete\"\naddress = 1\n"
    "[[bus.device.point]]\nname = \"energy\"\naddress = 20\ntype = \"uint32\"\nunit = \"kWh\"\n"
    "[[bus.device.point]]\nname = \"model\"\naddress = 30\ntype = \"string\"\nlength = 8\n";

config::Config load(const std::string& extra = "", const std::string& buses = points,
                    const std::string& homeassistant = "[homeassistant]\nenabled = true\n") {
  config::LoadResult result = config::load_string(
      "[gateway]\nid = \"gw1\"\n[mqtt]\nurl = \"mqtt://b\"\n" + extra + homeassistant + buses,
      "/t.toml");
  EXPECT_TRUE(result.config) << (result.diagnostics.empty() ? ""
                                                            : result.diagnostics[0].to_string());
  return std::move(*result.config);
}

std::map<std::string, Json> by_topic(const std::vector<DiscoveryMessage>& messages) {
  std::map<std::string, Json> out;
  for (const DiscoveryMessage& message : messages) {
    out[message.topic] = message.payload.empty() ? Json() : Json::parse(message.payload);
  }
  return out;
}

// What Home Assistant's MQTT documentation lists as required for each
// component, and what device-based discovery needs on top (a unique_id and
// the device's identifiers).
void expect_valid(const std::string& component, const Json& config) {
  const std::map<std::string, std::vector<std::string>> required{{"sensor", {"state_topic"}},
                                                                 {"binary_sensor", {"state_topic"}},
                                                                 {"number", {"command_topic"}},
                                                                 {"switch", {"command_topic"}}};
  ASSERT_TRUE(required.contains(component)) << component;
  for (const std::string& field : required.at(component)) {
    EXPECT_TRUE(config.contains(field)) << component << " lacks " << field;
  }
  EXPECT_TRUE(config["unique_id"].is_string());
  ASSERT_TRUE(config.contains("device"));
  EXPECT_FALSE(config["device"]["identifiers"].empty());
  if (component == "number") {
    EXPECT_LT(config["min"].get<double>(), config["max"].get<double>());
    EXPECT_GT(config["step"].get<double>(), 0.0);
  }
}

TEST(HomeAssistantDiscovery, EveryPointHasAValidConfigOnItsComponentsTopic) {
  const config::Config config = load();
  const auto messages = by_topic(discovery_messages(config));
  ASSERT_EQ(messages.size(), 6u);
  const std::map<std::string, std::string> components{
      {"homeassistant/sensor/gw1/boiler_flow_temp/config", "sensor"},
      {"homeassistant/number/gw1/boiler_setpoint/config", "number"},
      {"homeassistant/switch/gw1/boiler_pump/config", "switch"},
      {"homeassistant/binary_sensor/gw1/boiler_alarm/config", "binary_sensor"},
      {"homeassistant/sensor/gw1/boiler_energy/config", "sensor"},
      {"homeassistant/sensor/gw1/boiler_model/config", "sensor"}};
  for (const auto& [topic, component] : components) {
    ASSERT_TRUE(messages.contains(topic)) << topic;
    expect_valid(component, messages.at(topic));
  }
}

TEST(HomeAssistantDiscovery, ASensorReadsTheTelemetryTopicAndKnowsItsUnit) {
  const Json flow =
      by_topic(discovery_messages(load()))["homeassistant/sensor/gw1/boiler_flow_temp/config"];
  EXPECT_EQ(flow["state_topic"], "iotgw/gw1/boiler/flow_temp");
  EXPECT_EQ(flow["value_template"], "{{ value_json.value }}");
  EXPECT_EQ(flow["unit_of_measurement"], "°C");
  EXPECT_EQ(flow["device_class"], "temperature");
  EXPECT_EQ(flow["state_class"], "measurement");
  EXPECT_EQ(flow["availability_topic"], "iotgw/gw1/status");
  EXPECT_EQ(flow["payload_available"], "online");
  EXPECT_EQ(flow["payload_not_available"], "offline");
  EXPECT_EQ(flow["unique_id"], "iotgw_gw1_boiler_flow_temp");
  EXPECT_EQ(flow["device"]["identifiers"], Json::array({"iotgw_gw1_boiler"}));
  EXPECT_EQ(flow["device"]["name"], "boiler");
}

TEST(HomeAssistantDiscovery, WritablePointsAreSetThroughTheirCommandTopic) {
  const auto messages = by_topic(discovery_messages(load()));
  const Json setpoint = messages.at("homeassistant/number/gw1/boiler_setpoint/config");
  EXPECT_EQ(setpoint["command_topic"], "iotgw/gw1/cmd/boiler/setpoint/set");
  EXPECT_EQ(setpoint["min"], 5.0);
  EXPECT_EQ(setpoint["max"], 80.0);
  EXPECT_DOUBLE_EQ(setpoint["step"].get<double>(), 0.1);
  const Json pump = messages.at("homeassistant/switch/gw1/boiler_pump/config");
  EXPECT_EQ(pump["command_topic"], "iotgw/gw1/cmd/boiler/pump/set");
  EXPECT_EQ(pump["payload_on"], "true");
  EXPECT_EQ(pump["value_template"], "{{ 'ON' if value_json.value else 'OFF' }}");
  EXPECT_EQ(pump["state_on"], "ON");
  const Json energy = messages.at("homeassistant/sensor/gw1/boiler_energy/config");
  EXPECT_EQ(energy["device_class"], "energy");
  EXPECT_EQ(energy["state_class"], "total_increasing");
  EXPECT_FALSE(messages.at("homeassistant/sensor/gw1/boiler_model/config").contains("state_class"));
}

TEST(HomeAssistantDiscovery, WithoutCommandsNothingIsSettable) {
  const auto messages = by_topic(discovery_messages(load("[commands]\nenabled = false\n")));
  EXPECT_TRUE(messages.contains("homeassistant/sensor/gw1/boiler_setpoint/config"));
  EXPECT_TRUE(messages.contains("homeassistant/binary_sensor/gw1/boiler_pump/config"));
}

TEST(HomeAssistantDiscovery, TemplatesFitThePayloadFormat) {
  const std::string ha = "[homeassistant]\nenabled = true\ndiscovery_prefix = \"ha\"\n";
  const auto per_device = by_topic(discovery_messages(
      load("[telemetry]\ntopic = \"{prefix}/{gateway}/{device}\"\npayload = \"device_json\"\n",
           points, ha)));
  const Json flow = per_device.at("ha/sensor/gw1/boiler_flow_temp/config");
  EXPECT_EQ(flow["state_topic"], "iotgw/gw1/boiler");
  EXPECT_EQ(flow["value_template"], "{{ value_json['values']['flow_temp'].value }}");
  const auto bare =
      by_topic(discovery_messages(load("[telemetry]\npayload = \"value\"\n", points, ha)));
  EXPECT_FALSE(bare.at("ha/sensor/gw1/boiler_flow_temp/config").contains("value_template"));
  EXPECT_EQ(bare.at("ha/binary_sensor/gw1/boiler_alarm/config")["value_template"],
            "{{ 'ON' if (value == 'true') else 'OFF' }}");
}

TEST(HomeAssistantDiscovery, PointsGoneAtAReloadAreRemoved) {
  const config::Config before = load();
  const config::Config after =
      load("",
           "[[bus]]\nname = \"b\"\nprotocol = \"modbus-tcp\"\nhost = \"h\"\n"
           "[[bus.device]]\nname = \"boiler\"\n"
           "[[bus.device.point]]\nname = \"flow_temp\"\naddress = 0\ntype = \"float32\"\n"
           "[[bus.device.point]]\nname = \"pump\"\nregister = \"coil\"\naddress = 0\n");
  const auto removals = retired_discovery(before, after);
  std::set<std::string> topics;
  for (const DiscoveryMessage& removal : removals) {
    EXPECT_TRUE(removal.payload.empty());
    topics.insert(removal.topic);
  }
  // The pump is no longer writable: its switch goes, its binary_sensor comes.
  EXPECT_EQ(topics, (std::set<std::string>{"homeassistant/number/gw1/boiler_setpoint/config",
                                           "homeassistant/switch/gw1/boiler_pump/config",
                                           "homeassistant/binary_sensor/gw1/boiler_alarm/config",
                                           "homeassistant/sensor/gw1/boiler_energy/config",
                                           "homeassistant/sensor/gw1/boiler_model/config"}));
}

TEST(HomeAssistantDiscovery, NothingWhileNotEnabledAndEverythingRetiredWhenTurnedOff) {
  const config::Config off = load("", points, "");
  EXPECT_TRUE(discovery_messages(off).empty());
  EXPECT_EQ(retired_discovery(load(), off).size(), 6u);
  EXPECT_TRUE(retired_discovery(off, load()).empty());
  // A moved prefix retires every entity under the old one.
  const config::Config moved =
      load("", points, "[homeassistant]\nenabled = true\ndiscovery_prefix = \"ha\"\n");
  EXPECT_EQ(retired_discovery(load(), moved).size(), 6u);
}

TEST(HomeAssistantDiscovery, UnitsImplyDeviceClasses) {
  EXPECT_EQ(device_class_of_unit("bar"), "pressure");
  EXPECT_EQ(device_class_of_unit("kW"), "power");
  EXPECT_EQ(device_class_of_unit("V"), "voltage");
  EXPECT_EQ(device_class_of_unit("%"), "");  // humidity, battery, a valve: not implied
}

}  // namespace
}  // namespace iotgw::gateway
