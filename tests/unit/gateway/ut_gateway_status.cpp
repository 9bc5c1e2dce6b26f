// The status renderers: the Prometheus text exposition format 0.0.4 of
// /metrics (checked by promtool when it is installed) and the JSON of
// /api/status.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gateway/status.hpp"
#include "tests/support/temp_dir.hpp"

namespace iotgw::gateway {
namespace {

using testing::Contains;
using testing::ElementsAre;
using testing::Not;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

// The sample lines alone, without HELP and TYPE.
std::vector<std::string> samples_of(const std::string& text) {
  std::vector<std::string> samples;
  for (std::string& line : lines_of(text)) {
    if (!line.starts_with("#")) {
      samples.push_back(std::move(line));
    }
  }
  return samples;
}

// Builders, as designated initializers would leave fields out (and the
// compiler warns of that).
PointStatus make_point(std::string name, std::optional<drivers::Value> value, std::string quality,
                       std::optional<double> age_s = std::nullopt, std::string unit = "",
                       bool writable = false) {
  PointStatus point;
  point.name = std::move(name);
  point.unit = std::move(unit);
  point.value = std::move(value);
  point.quality = std::move(quality);
  point.age_s = age_s;
  point.writable = writable;
  return point;
}

DeviceStatus make_device(std::string name, std::string bus, std::string protocol,
                         std::uint64_t readings = 0) {
  DeviceStatus device;
  device.name = std::move(name);
  device.bus = std::move(bus);
  device.protocol = std::move(protocol);
  device.readings = readings;
  return device;
}

Status small_status() {
  Status status;
  status.gateway_id = "gw1";
  status.version = "1.2.3";
  status.uptime_s = 12.5;
  status.rss_bytes = 4096;
  status.readings = 10;
  status.suppressed = 2;
  status.dropped = 1;
  status.queue_rows = 3;
  status.queue_bytes = 300;
  status.oldest_queued_age_s = 0.25;
  status.queued = 7;
  status.evicted = 0;
  status.fsyncs = 5;
  status.clock_held = 0;
  status.connected = true;
  status.broker = "mqtts://broker:8883";
  status.broker_index = 1;
  status.reconnects = 4;
  status.failovers = 1;
  status.published = 6;
  status.acknowledged = 5;
  status.expired = 0;
  status.rejected = 0;
  status.commands = 2;
  status.commands_refused = 1;

  DeviceStatus boiler = make_device("boiler", "rs485", "modbus-rtu", 8);
  boiler.requests = 9;
  boiler.timeouts = 1;
  boiler.crc_errors = 2;
  boiler.exceptions = 3;
  boiler.points.push_back(make_point("flow_temp", drivers::Value(21.5), "good", 1.5, "°C"));
  boiler.points.push_back(make_point("running", drivers::Value(true), "good", 0.5, "", true));
  boiler.points.push_back(make_point("model", drivers::Value(std::string("XB-7")), "good", 2.0));
  boiler.points.push_back(make_point("pressure", std::nullopt, "timeout", 3.0, "bar"));
  boiler.points.push_back(make_point("setpoint", std::nullopt, "none", std::nullopt, "°C"));
  status.devices.push_back(std::move(boiler));

  DeviceStatus meter = make_device("meter", "serial0", "line", 2);
  meter.points.push_back(make_point("count", drivers::Value(std::int64_t{-4}), "good", 0.0));
  status.devices.push_back(std::move(meter));
  return status;
}

TEST(StatusPrometheus, WritesTheSamplesOfASmallStatus) {
  EXPECT_THAT(
      samples_of(prometheus_text(small_status())),
      ElementsAre(R"(iotgw_build_info{version="1.2.3",gateway="gw1"} 1)",  //
                  "iotgw_uptime_seconds 12.5",                             //
                  "iotgw_resident_memory_bytes 4096",                      //
                  "iotgw_healthy 1",                                       //
                  "iotgw_clock_synchronised 1",                            //
                  "iotgw_readings_total 10",                               //
                  "iotgw_readings_suppressed_total 2",                     //
                  "iotgw_readings_dropped_total 1",                        //
                  "iotgw_queue_rows 3",                                    //
                  "iotgw_queue_bytes 300",                                 //
                  "iotgw_queue_oldest_age_seconds 0.25",                   //
                  "iotgw_queue_clock_held_rows 0",                         //
                  "iotgw_messages_queued_total 7",                         //
                  "iotgw_messages_evicted_total 0",                        //
                  "iotgw_store_fsyncs_total 5",                            //
                  "iotgw_mqtt_connected 1",                                //
                  R"(iotgw_mqtt_broker_info{url="mqtts://broker:8883",index="1"} 1)",
                  "iotgw_mqtt_reconnects_total 4",        //
                  "iotgw_mqtt_failovers_total 1",         //
                  "iotgw_messages_published_total 6",     //
                  "iotgw_messages_acknowledged_total 5",  //
                  "iotgw_messages_expired_total 0",       //
                  "iotgw_messages_rejected_total 0",      //
                  "iotgw_commands_total 2",               //
                  "iotgw_commands_refused_total 1",       //
                  R"(iotgw_device_readings_total{bus="rs485",device="boiler"} 8)",
                  R"(iotgw_device_readings_total{bus="serial0",device="meter"} 2)",
                  // The Modbus counters leave the line device out.
                  R"(iotgw_device_requests_total{bus="rs485",device="boiler"} 9)",
                  R"(iotgw_device_timeouts_total{bus="rs485",device="boiler"} 1)",
                  R"(iotgw_device_crc_errors_total{bus="rs485",device="boiler"} 2)",
                  R"(iotgw_device_exceptions_total{bus="rs485",device="boiler"} 3)",
                  // No sample for the string, nor for the points without a value.
                  R"(iotgw_point_value{bus="rs485",device="boiler",point="flow_temp"} 21.5)",
                  R"(iotgw_point_value{bus="rs485",device="boiler",point="running"} 1)",
                  R"(iotgw_point_value{bus="serial0",device="meter",point="count"} -4)",
                  R"(iotgw_point_age_seconds{bus="rs485",device="boiler",point="flow_temp"} 1.5)",
                  R"(iotgw_point_age_seconds{bus="rs485",device="boiler",point="running"} 0.5)",
                  R"(iotgw_point_age_seconds{bus="rs485",device="boiler",point="model"} 2)",
                  R"(iotgw_point_age_seconds{bus="rs485",device="boiler",point="pressure"} 3)",
                  R"(iotgw_point_age_seconds{bus="serial0",device="meter",point="count"} 0)",
                  R"(iotgw_point_good{bus="rs485",device="boiler",point="flow_temp"} 1)",
                  R"(iotgw_point_good{bus="rs485",device="boiler",point="running"} 1)",
                  R"(iotgw_point_good{bus="rs485",device="boiler",point="model"} 1)",
                  R"(iotgw_point_good{bus="rs485",device="boiler",point="pressure"} 0)",
                  R"(iotgw_point_good{bus="rs485",device="boiler",point="setpoint"} 0)",
                  R"(iotgw_point_good{bus="serial0",device="meter",point="count"} 1)"));
}

// Every family once: HELP, then TYPE, then its samples and nothing else's;
// counters, and only counters, end in _total.
TEST(StatusPrometheus, EveryFamilyHasHelpAndTypeBeforeItsSamples) {
  const std::vector<std::string> lines = lines_of(prometheus_text(small_status()));
  std::set<std::string> seen;
  std::string family;
  std::string type;
  std::size_t samples = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.starts_with("# HELP ")) {
      if (!family.empty()) {
        EXPECT_GT(samples, 0u) << family;
      }
      const std::string name = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(seen.insert(name).second) << name << " twice";
      ASSERT_LT(i + 1, lines.size());
      const std::string type_prefix = "# TYPE " + name + " ";
      ASSERT_TRUE(lines[i + 1].starts_with(type_prefix)) << lines[i + 1];
      type = lines[i + 1].substr(type_prefix.size());
      EXPECT_TRUE(type == "counter" || type == "gauge") << type;
      EXPECT_EQ(type == "counter", name.ends_with("_total")) << name;
      EXPECT_TRUE(name.starts_with("iotgw_")) << name;
      family = name;
      samples = 0;
      ++i;
      continue;
    }
    ASSERT_FALSE(line.starts_with("#")) << line;
    ASSERT_FALSE(family.empty()) << line;
    EXPECT_TRUE(line.starts_with(family + " ") || line.starts_with(family + "{")) << line;
    ++samples;
  }
  EXPECT_GT(samples, 0u);
  EXPECT_EQ(seen.size(), 33u);
}

TEST(StatusPrometheus, EscapesHostileLabelValues) {
  Status status;
  status.broker = "mqtt://a\"b\\c\nd";
  DeviceStatus device = make_device("dev\"ice\\1\n", "b\\us", "modbus-tcp");
  device.points.push_back(make_point("p\"o\\i\nnt", drivers::Value(1.0), "good", 1.0));
  status.devices.push_back(std::move(device));
  const std::vector<std::string> samples = samples_of(prometheus_text(status));
  EXPECT_THAT(samples, Contains(R"(iotgw_mqtt_broker_info{url="mqtt://a\"b\\c\nd",index="0"} 1)"));
  EXPECT_THAT(samples,
              Contains(R"(iotgw_device_readings_total{bus="b\\us",device="dev\"ice\\1\n"} 0)"));
  EXPECT_THAT(
      samples,
      Contains(R"(iotgw_point_value{bus="b\\us",device="dev\"ice\\1\n",point="p\"o\\i\nnt"} 1)"));
}

TEST(StatusPrometheus, ReplacesBytesThatAreNotUtf8InLabelValues) {
  Status status;
  status.gateway_id = "gw\xFF";
  EXPECT_THAT(samples_of(prometheus_text(status)),
              Contains("iotgw_build_info{version=\"\",gateway=\"gw\xEF\xBF\xBD\"} 1"));
}

TEST(StatusPrometheus, LeavesTextPointsOutOfTheValues) {
  Status status;
  DeviceStatus device = make_device("d", "b", "line");
  device.points.push_back(make_point("model", drivers::Value(std::string("XB-7")), "good", 1.0));
  status.devices.push_back(std::move(device));
  const std::string text = prometheus_text(status);
  EXPECT_EQ(text.find("iotgw_point_value"), std::string::npos) << text;
  EXPECT_THAT(samples_of(text),
              Contains(R"(iotgw_point_good{bus="b",device="d",point="model"} 1)"));
  // A line device alone: no Modbus families, not even their HELP.
  EXPECT_EQ(text.find("iotgw_device_requests_total"), std::string::npos) << text;
}

TEST(StatusPrometheus, WritesNumbersExactly) {
  Status status;
  status.uptime_s = 0.1;
  status.readings = std::numeric_limits<std::uint64_t>::max();
  DeviceStatus device = make_device("d", "b", "modbus-tcp");
  device.points.push_back(
      make_point("nan", drivers::Value(std::numeric_limits<double>::quiet_NaN()), "good"));
  device.points.push_back(
      make_point("inf", drivers::Value(std::numeric_limits<double>::infinity()), "good"));
  device.points.push_back(
      make_point("minf", drivers::Value(-std::numeric_limits<double>::infinity()), "good"));
  device.points.push_back(make_point("third", drivers::Value(1.0 / 3), "good"));
  device.points.push_back(make_point("big", drivers::Value(1e300), "good"));
  device.points.push_back(
      make_point("min", drivers::Value(std::numeric_limits<std::int64_t>::min()), "good"));
  device.points.push_back(make_point("off", drivers::Value(false), "good"));
  status.devices.push_back(std::move(device));
  const std::vector<std::string> samples = samples_of(prometheus_text(status));
  EXPECT_THAT(samples, Contains("iotgw_uptime_seconds 0.1"));
  EXPECT_THAT(samples, Contains("iotgw_readings_total 18446744073709551615"));
  EXPECT_THAT(samples, Contains(R"(iotgw_point_value{bus="b",device="d",point="nan"} NaN)"));
  EXPECT_THAT(samples, Contains(R"(iotgw_point_value{bus="b",device="d",point="inf"} +Inf)"));
  EXPECT_THAT(samples, Contains(R"(iotgw_point_value{bus="b",device="d",point="minf"} -Inf)"));
  EXPECT_THAT(samples, Contains(R"(iotgw_point_value{bus="b",device="d",point="min"} )"
                                "-9223372036854775808"));
  EXPECT_THAT(samples, Contains(R"(iotgw_point_value{bus="b",device="d",point="off"} 0)"));
  // The shortest forms read back as the same doubles.
  for (const std::string& name : {std::string("third"), std::string("big")}) {
    const std::string prefix = R"(iotgw_point_value{bus="b",device="d",point=")" + name + "\"} ";
    bool found = false;
    for (const std::string& sample : samples) {
      if (sample.starts_with(prefix)) {
        found = true;
        const double read = std::strtod(sample.c_str() + prefix.size(), nullptr);
        EXPECT_EQ(read, name == "third" ? 1.0 / 3 : 1e300) << sample;
      }
    }
    EXPECT_TRUE(found) << name;
  }
}

TEST(StatusPrometheus, LeavesOutPerDeviceFamiliesWithoutDevices) {
  const std::string text = prometheus_text(Status{});
  EXPECT_EQ(text.find("iotgw_device_"), std::string::npos);
  EXPECT_EQ(text.find("iotgw_point_"), std::string::npos);
  EXPECT_THAT(samples_of(text), Contains("iotgw_mqtt_connected 0"));
  EXPECT_THAT(samples_of(text), Contains(R"(iotgw_mqtt_broker_info{url="",index="0"} 1)"));
}

std::optional<std::filesystem::path> on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) {
    return std::nullopt;
  }
  std::istringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::filesystem::path candidate =
        std::filesystem::path(dir.empty() ? "." : dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return std::nullopt;
}

// promtool parses the exposition as Prometheus does, then lints it (HELP
// present, counters in _total, base units): exit 0 and silence when it is fine.
TEST(StatusPrometheus, PassesPromtoolCheckMetrics) {
  const std::optional<std::filesystem::path> promtool = on_path("promtool");
  if (!promtool) {
    GTEST_SKIP() << "promtool is not on PATH";
  }
  Status status = small_status();
  status.healthy = false;
  status.health_reason = "no broker";
  status.clock_synchronised = false;
  std::vector<PointStatus>& points = status.devices[0].points;
  points.push_back(make_point("odd \"name\"\\\n", drivers::Value(std::nan("")), "good"));
  points.push_back(make_point("huge", drivers::Value(std::uint64_t{1} << 63), "good"));
  points.push_back(
      make_point("cold", drivers::Value(-std::numeric_limits<double>::infinity()), "good"));
  status.broker = "mqtt://\"odd\"\\\nurl";
  const test::TempDir dir("iotgw-status");
  const std::filesystem::path metrics = dir.write("metrics.txt", prometheus_text(status));
  const std::filesystem::path report = dir.path() / "promtool.txt";
  const std::string command = "'" + promtool->string() + "' check metrics < '" + metrics.string() +
                              "' > '" + report.string() + "' 2>&1";
  const int result = std::system(command.c_str());
  std::ifstream in(report);
  const std::string said((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_NE(result, -1);
  ASSERT_TRUE(WIFEXITED(result));
  EXPECT_EQ(WEXITSTATUS(result), 0) << said;
  EXPECT_EQ(said, "");
}

TEST(StatusJson, HasTheDocumentedShape) {
  const nlohmann::ordered_json json = nlohmann::ordered_json::parse(status_json(small_status()));
  std::vector<std::string> keys;
  for (const auto& [key, value] : json.items()) {
    keys.push_back(key);
  }
  EXPECT_THAT(keys, ElementsAre("gateway", "version", "uptime_s", "rss_bytes", "health", "readings",
                                "queue", "uplink", "commands", "clock", "devices"));
  EXPECT_EQ(json["gateway"], "gw1");
  EXPECT_EQ(json["version"], "1.2.3");
  EXPECT_EQ(json["uptime_s"], 12.5);
  EXPECT_EQ(json["rss_bytes"], 4096);
  EXPECT_EQ(json["health"], nlohmann::ordered_json::parse(R"({"healthy":true,"reason":""})"));
  EXPECT_EQ(json["readings"],
            nlohmann::ordered_json::parse(R"({"total":10,"suppressed":2,"dropped":1})"));
  EXPECT_EQ(json["queue"],
            nlohmann::ordered_json::parse(R"({"rows":3,"bytes":300,"oldest_age_s":0.25,"queued":7,)"
                                          R"("evicted":0,"fsyncs":5,"clock_held":0})"));
  EXPECT_EQ(json["uplink"],
            nlohmann::ordered_json::parse(
                R"({"connected":true,"broker":"mqtts://broker:8883","broker_index":1,)"
                R"("reconnects":4,"failovers":1,"published":6,"acknowledged":5,"expired":0,)"
                R"("rejected":0})"));
  EXPECT_EQ(json["commands"], nlohmann::ordered_json::parse(R"({"total":2,"refused":1})"));
  EXPECT_EQ(json["clock"], nlohmann::ordered_json::parse(R"({"synchronised":true})"));

  ASSERT_EQ(json["devices"].size(), 2u);
  EXPECT_EQ(json["devices"][1],
            nlohmann::ordered_json::parse(
                R"({"name":"meter","bus":"serial0","protocol":"line","readings":2,"requests":0,)"
                R"("timeouts":0,"crc_errors":0,"exceptions":0,"points":[{"name":"count","unit":"",)"
                R"("value":-4,"quality":"good","age_s":0.0,"writable":false}]})"));
  const nlohmann::ordered_json& boiler = json["devices"][0];
  EXPECT_EQ(boiler["name"], "boiler");
  EXPECT_EQ(boiler["bus"], "rs485");
  EXPECT_EQ(boiler["protocol"], "modbus-rtu");
  EXPECT_EQ(boiler["readings"], 8);
  EXPECT_EQ(boiler["requests"], 9);
  EXPECT_EQ(boiler["timeouts"], 1);
  EXPECT_EQ(boiler["crc_errors"], 2);
  EXPECT_EQ(boiler["exceptions"], 3);
  const nlohmann::ordered_json& points = boiler["points"];
  ASSERT_EQ(points.size(), 5u);
  EXPECT_EQ(points[0], nlohmann::ordered_json::parse(
                           R"({"name":"flow_temp","unit":"°C","value":21.5,"quality":"good",)"
                           R"("age_s":1.5,"writable":false})"));
  EXPECT_EQ(points[1]["value"], true);
  EXPECT_EQ(points[1]["writable"], true);
  EXPECT_EQ(points[2]["value"], "XB-7");
  EXPECT_TRUE(points[3]["value"].is_null());
  EXPECT_EQ(points[3]["quality"], "timeout");
  EXPECT_EQ(points[3]["age_s"], 3.0);
  EXPECT_TRUE(points[4]["value"].is_null());
  EXPECT_TRUE(points[4]["age_s"].is_null());
  EXPECT_EQ(points[4]["quality"], "none");
}

TEST(StatusJson, GivesTheReasonWhenUnhealthy) {
  Status status;
  status.healthy = false;
  status.health_reason = "the store is full";
  status.clock_synchronised = false;
  const nlohmann::json json = nlohmann::json::parse(status_json(status));
  EXPECT_EQ(json["health"]["healthy"], false);
  EXPECT_EQ(json["health"]["reason"], "the store is full");
  EXPECT_EQ(json["clock"]["synchronised"], false);
  EXPECT_TRUE(json["devices"].is_array());
  EXPECT_TRUE(json["devices"].empty());
}

TEST(StatusJson, RendersEveryValueAlternative) {
  Status status;
  DeviceStatus device = make_device("d", "b", "modbus-tcp");
  device.points.push_back(make_point("p", drivers::Value(false), "good"));
  device.points.push_back(
      make_point("p", drivers::Value(std::numeric_limits<std::int64_t>::min()), "good"));
  device.points.push_back(
      make_point("p", drivers::Value(std::numeric_limits<std::uint64_t>::max()), "good"));
  device.points.push_back(make_point("p", drivers::Value(0.1), "good"));
  device.points.push_back(
      make_point("p", drivers::Value(std::numeric_limits<double>::quiet_NaN()), "good"));
  device.points.push_back(
      make_point("p", drivers::Value(std::numeric_limits<double>::infinity()), "good"));
  device.points.push_back(
      make_point("p", drivers::Value(std::string("text \"quoted\"\n")), "good"));
  status.devices.push_back(std::move(device));
  const std::string text = status_json(status);
  const nlohmann::json points = nlohmann::json::parse(text)["devices"][0]["points"];
  ASSERT_EQ(points.size(), 7u);
  EXPECT_EQ(points[0]["value"], false);
  EXPECT_EQ(points[1]["value"].get<std::int64_t>(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(points[2]["value"].get<std::uint64_t>(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(points[3]["value"].get<double>(), 0.1);
  EXPECT_TRUE(points[4]["value"].is_null());
  EXPECT_TRUE(points[5]["value"].is_null());
  EXPECT_EQ(points[6]["value"], "text \"quoted\"\n");
  EXPECT_THAT(text, testing::HasSubstr("18446744073709551615"));
  EXPECT_THAT(text, testing::HasSubstr("-9223372036854775808"));
}

TEST(StatusJson, ReplacesBytesThatAreNotUtf8) {
  Status status;
  status.gateway_id = "gw\xC3";
  DeviceStatus device = make_device("d\xFF", "b", "line");
  device.points.push_back(make_point("p", drivers::Value(std::string("a\x80z")), "good"));
  status.devices.push_back(std::move(device));
  std::string text;
  ASSERT_NO_THROW(text = status_json(status));
  const nlohmann::json json = nlohmann::json::parse(text);
  EXPECT_EQ(json["gateway"], "gw\xEF\xBF\xBD");
  EXPECT_EQ(json["devices"][0]["name"], "d\xEF\xBF\xBD");
  EXPECT_EQ(json["devices"][0]["points"][0]["value"], "a\xEF\xBF\xBDz");
}

}  // namespace
}  // namespace iotgw::gateway
