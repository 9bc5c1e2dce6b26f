// Valid configurations: every key lands in its field, defaults are those of the
// reference, and derived values are resolved.
#include <filesystem>
#include <string>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "config/load.hpp"
#include "tests/support/temp_dir.hpp"

namespace iotgw::config {
namespace {

constexpr const char* minimal =
    "[gateway]\n"
    "id = \"gw\"\n"
    "[mqtt]\n"
    "url = \"mqtt://broker.local\"\n";

Config load_valid(const std::string& text,
                  const std::filesystem::path& file = "/etc/iotgw/x.toml") {
  LoadResult result = load_string(text, file);
  for (const Diagnostic& diagnostic : result.diagnostics) {
    ADD_FAILURE() << diagnostic.to_string();
  }
  EXPECT_TRUE(result.config.has_value());
  return result.config.value_or(Config{});
}

TEST(LoadExamples, EveryExampleLoadsWithoutDiagnostics) {
  int examples = 0;
  for (const auto& entry : std::filesystem::directory_iterator(IOTGW_EXAMPLES_DIR)) {
    if (entry.path().extension() != ".toml") {
      continue;
    }
    ++examples;
    const LoadResult result = load_file(entry.path());
    EXPECT_TRUE(result.config.has_value()) << entry.path();
    for (const Diagnostic& diagnostic : result.diagnostics) {
      ADD_FAILURE() << diagnostic.to_string();
    }
  }
  EXPECT_GE(examples, 3);
}

TEST(LoadDefaults, MatchTheReference) {
  const Config config = load_valid(minimal);
  EXPECT_EQ(config.gateway.state_dir, "/var/lib/iotgw");
  EXPECT_EQ(config.gateway.log_level, LogLevel::info);
  EXPECT_EQ(config.mqtt.client_id, "gw");
  EXPECT_EQ(config.mqtt.keepalive, 30s);
  EXPECT_FALSE(config.mqtt.clean_session);
  EXPECT_EQ(config.mqtt.qos, 1);
  EXPECT_EQ(config.mqtt.topic_prefix, "iotgw");
  EXPECT_EQ(config.mqtt.inflight, 64U);
  EXPECT_EQ(config.mqtt.max_packet_size, 256U * 1024);
  EXPECT_EQ(config.mqtt.reconnect_min, 1s);
  EXPECT_EQ(config.mqtt.reconnect_max, 60s);
  EXPECT_EQ(config.mqtt.will.topic, "iotgw/gw/status");
  EXPECT_EQ(config.mqtt.will.payload, "offline");
  EXPECT_EQ(config.mqtt.will.qos, 1);
  EXPECT_TRUE(config.mqtt.will.retain);
  EXPECT_EQ(config.store.path, "/var/lib/iotgw/queue.db");
  EXPECT_EQ(config.store.max_rows, 1'000'000U);
  EXPECT_EQ(config.store.max_bytes, 256U * 1024 * 1024);
  EXPECT_EQ(config.store.overflow, Overflow::drop_oldest);
  EXPECT_EQ(config.store.sync, Sync::normal);
  EXPECT_EQ(config.store.commit_interval, 1s);
  EXPECT_EQ(config.store.delivery, Delivery::fifo);
  EXPECT_EQ(config.store.backfill_rate, 0U);
  EXPECT_EQ(config.telemetry.topic, "{prefix}/{gateway}/{device}/{point}");
  EXPECT_EQ(config.telemetry.payload, PayloadFormat::json);
  EXPECT_EQ(config.telemetry.metrics_interval, 60s);
  EXPECT_EQ(config.telemetry.clock_hold, 10min);
  EXPECT_FALSE(config.sparkplug.enabled);
  EXPECT_EQ(config.sparkplug.group_id, "");
  EXPECT_EQ(config.sparkplug.edge_node_id, "gw");  // gateway.id
  EXPECT_EQ(config.sparkplug.primary_host_id, "");
  EXPECT_FALSE(config.homeassistant.enabled);
  EXPECT_EQ(config.homeassistant.discovery_prefix, "homeassistant");
  EXPECT_TRUE(config.http.enabled());
  EXPECT_EQ(config.http.listen, "127.0.0.1:9108");
  EXPECT_EQ(config.http.address, "127.0.0.1");
  EXPECT_EQ(config.http.port, 9108);
  EXPECT_TRUE(config.http.loopback);
  EXPECT_EQ(config.http.token_file, "");
  EXPECT_TRUE(config.commands.enabled);
  EXPECT_EQ(config.commands.topic, "iotgw/gw/cmd/#");
  EXPECT_EQ(config.commands.max_age, 30s);
  EXPECT_TRUE(config.buses.empty());
}

TEST(LoadMqtt, SplitsTheUrl) {
  Config config = load_valid("[gateway]\nid = \"gw\"\n[mqtt]\nurl = \"mqtts://b.example\"\n");
  ASSERT_EQ(config.mqtt.brokers.size(), 1U);
  EXPECT_TRUE(config.mqtt.brokers[0].use_tls);
  EXPECT_EQ(config.mqtt.brokers[0].host, "b.example");
  EXPECT_EQ(config.mqtt.brokers[0].port, 8883);
  EXPECT_EQ(config.mqtt.tls.server_name, "");  // each broker's own host
  EXPECT_EQ(config.mqtt.failback, 10min);

  config = load_valid("[gateway]\nid = \"gw\"\n[mqtt]\nurl = \"mqtt://[::1]:1884/\"\n");
  EXPECT_FALSE(config.mqtt.brokers[0].use_tls);
  EXPECT_EQ(config.mqtt.brokers[0].host, "::1");
  EXPECT_EQ(config.mqtt.brokers[0].port, 1884);
}

TEST(LoadMqtt, ReadsAListOfBrokersInOrder) {
  const Config config = load_valid(
      "[gateway]\nid = \"gw\"\n[mqtt]\n"
      "url = [\"mqtt://a:1883\", \"mqtts://b.example\", \"mqtt://[::1]:1884\"]\n"
      "failback = \"0s\"\n");
  ASSERT_EQ(config.mqtt.brokers.size(), 3U);
  EXPECT_EQ(config.mqtt.brokers[0],
            (Broker{.url = "mqtt://a:1883", .use_tls = false, .host = "a", .port = 1883}));
  EXPECT_EQ(
      config.mqtt.brokers[1],
      (Broker{.url = "mqtts://b.example", .use_tls = true, .host = "b.example", .port = 8883}));
  EXPECT_EQ(config.mqtt.brokers[2],
            (Broker{.url = "mqtt://[::1]:1884", .use_tls = false, .host = "::1", .port = 1884}));
  EXPECT_EQ(config.mqtt.failback, 0s);
}

TEST(LoadMqtt, ReadsEveryKey) {
  const Config config = load_valid(
      "[gateway]\nid = \"gw\"\nlog_level = \"debug\"\n"
      "[mqtt]\nurl = \"mqtts://b:8884\"\nclient_id = \"c\"\nusername = \"u\"\npassword = \"p\"\n"
      "keepalive = \"1m\"\nclean_session = true\nqos = 2\ntopic_prefix = \"plant/7\"\n"
      "inflight = 8\nmax_packet_size = \"1MiB\"\nreconnect_min = \"500ms\"\n"
      "reconnect_max = \"2m\"\n"
      "[mqtt.tls]\nserver_name = \"broker.internal\"\nalpn = [\"x-amzn-mqtt-ca\"]\n"
      "[mqtt.will]\ntopic = \"{prefix}/{gateway}/alive\"\npayload = \"dead\"\nqos = 0\n"
      "retain = false\n");
  EXPECT_EQ(config.gateway.log_level, LogLevel::debug);
  EXPECT_EQ(config.mqtt.brokers[0].port, 8884);
  EXPECT_EQ(config.mqtt.client_id, "c");
  EXPECT_EQ(config.mqtt.username, "u");
  EXPECT_EQ(config.mqtt.password, "p");
  EXPECT_EQ(config.mqtt.keepalive, 60s);
  EXPECT_TRUE(config.mqtt.clean_session);
  EXPECT_EQ(config.mqtt.qos, 2);
  EXPECT_EQ(config.mqtt.inflight, 8U);
  EXPECT_EQ(config.mqtt.max_packet_size, 1024U * 1024);
  EXPECT_EQ(config.mqtt.reconnect_min, 500ms);
  EXPECT_EQ(config.mqtt.reconnect_max, 120s);
  EXPECT_EQ(config.mqtt.tls.server_name, "broker.internal");
  EXPECT_EQ(config.mqtt.tls.alpn, std::vector<std::string>{"x-amzn-mqtt-ca"});
  EXPECT_EQ(config.mqtt.will.topic, "plant/7/gw/alive");
  EXPECT_EQ(config.mqtt.will.payload, "dead");
  EXPECT_EQ(config.mqtt.will.qos, 0);
  EXPECT_FALSE(config.mqtt.will.retain);
}

TEST(LoadPaths, AreTakenFromTheFilesFolder) {
  const iotgw::test::TempDir folder("iotgw-load");
  const std::filesystem::path& dir = folder.path();
  ::chmod(folder.write("pw", "s3cret\r\nignored\n").c_str(), 0600);
  const Config config = load_valid(
      "[gateway]\nid = \"gw\"\nstate_dir = \"state\"\n"
      "[mqtt]\nurl = \"mqtt://b\"\npassword_file = \"pw\"\n"
      "[store]\npath = \"/data/q.db\"\n",
      dir / "iotgw.toml");
  EXPECT_EQ(config.gateway.state_dir, dir / "state");
  EXPECT_EQ(config.mqtt.password_file, dir / "pw");
  EXPECT_EQ(config.mqtt.password, "s3cret");
  EXPECT_EQ(config.store.path, "/data/q.db");
}

TEST(LoadStore, ReadsTheDeliveryOrderAndTheBacklogsPace) {
  const Config config = load_valid(
      "[gateway]\nid = \"gw\"\n[mqtt]\nurl = \"mqtt://b\"\n"
      "[store]\ndelivery = \"live_first\"\nbackfill_rate = 200\n");
  EXPECT_EQ(config.store.delivery, Delivery::live_first);
  EXPECT_EQ(config.store.backfill_rate, 200U);
}

TEST(LoadSparkplug, ReadsItsTable) {
  const Config config = load_valid(
      "[gateway]\nid = \"gw\"\n[mqtt]\nurl = \"mqtt://b\"\n"
      "[sparkplug]\nenabled = true\ngroup_id = \"plant 1\"\nedge_node_id = \"pump-house\"\n"
      "primary_host_id = \"scada.main\"\n");
  EXPECT_TRUE(config.sparkplug.enabled);
  EXPECT_EQ(config.sparkplug.group_id, "plant 1");
  EXPECT_EQ(config.sparkplug.edge_node_id, "pump-house");
  EXPECT_EQ(config.sparkplug.primary_host_id, "scada.main");
}

TEST(LoadSparkplug, TheEdgeNodeIdDefaultsToTheGatewayId) {
  Config config = load_valid(
      "[gateway]\nid = \"boiler-house-1\"\n[mqtt]\nurl = \"mqtt://b\"\n"
      "[sparkplug]\nenabled = true\ngroup_id = \"plant-1\"\n");
  EXPECT_EQ(config.sparkplug.edge_node_id, "boiler-house-1");
  EXPECT_EQ(config.sparkplug.primary_host_id, "");

  config = load_valid(
      "[gateway]\nid = \"boiler-house-1\"\n[mqtt]\nurl = \"mqtt://b\"\n"
      "[sparkplug]\nenabled = true\ngroup_id = \"plant-1\"\nedge_node_id = \"\"\n");
  EXPECT_EQ(config.sparkplug.edge_node_id, "boiler-house-1");
}

TEST(LoadSparkplug, AnIdMayBeSixtyFourBytesOfAnyUtf8) {
  // 32 times "é", two bytes each in UTF-8: 64 bytes.
  std::string id;
  for (int i = 0; i < 32; ++i) {
    id += "\xc3\xa9";
  }
  const Config config = load_valid(
      "[gateway]\nid = \"gw\"\n[mqtt]\nurl = \"mqtt://b\"\n"
      "[sparkplug]\nenabled = true\ngroup_id = \"" +
      id + "\"\n");
  EXPECT_EQ(config.sparkplug.group_id, id);
}

TEST(LoadHomeAssistant, ReadsItsTable) {
  const Config config = load_valid(
      "[gateway]\nid = \"gw\"\n[mqtt]\nurl = \"mqtt://b\"\n"
      "[homeassistant]\nenabled = true\ndiscovery_prefix = \"site/ha\"\n");
  EXPECT_TRUE(config.homeassistant.enabled);
  EXPECT_EQ(config.homeassistant.discovery_prefix, "site/ha");
}

TEST(LoadHttp, ReadsItsTable) {
  Config config = load_valid(std::string(minimal) + "[http]\nlisten = \"[::1]:9200\"\n");
  EXPECT_TRUE(config.http.enabled());
  EXPECT_EQ(config.http.listen, "[::1]:9200");
  EXPECT_EQ(config.http.address, "::1");
  EXPECT_EQ(config.http.port, 9200);
  EXPECT_TRUE(config.http.loopback);

  config = load_valid(std::string(minimal) + "[http]\nlisten = \"localhost:80\"\n");
  EXPECT_EQ(config.http.address, "127.0.0.1");
  EXPECT_EQ(config.http.port, 80);
  EXPECT_TRUE(config.http.loopback);

  // All of 127.0.0.0/8 is loopback: no token needed.
  config = load_valid(std::string(minimal) + "[http]\nlisten = \"127.1.2.3:65535\"\n");
  EXPECT_EQ(config.http.address, "127.1.2.3");
  EXPECT_EQ(config.http.port, 65535);
  EXPECT_TRUE(config.http.loopback);

  config = load_valid(std::string(minimal) + "[http]\nlisten = \"\"\n");
  EXPECT_FALSE(config.http.enabled());
  EXPECT_EQ(config.http.token_file, "");
}

TEST(LoadHttp, ANonLoopbackAddressWithATokenFile) {
  const iotgw::test::TempDir folder("iotgw-load");
  const std::filesystem::path& dir = folder.path();
  ::chmod(folder.write("token", "t0ken\n").c_str(), 0600);
  Config config = load_valid(
      std::string(minimal) + "[http]\nlisten = \"0.0.0.0:9108\"\ntoken_file = \"token\"\n",
      dir / "iotgw.toml");
  EXPECT_EQ(config.http.address, "0.0.0.0");
  EXPECT_EQ(config.http.port, 9108);
  EXPECT_FALSE(config.http.loopback);
  EXPECT_EQ(config.http.token_file, dir / "token");

  config = load_valid(std::string(minimal) + "[http]\nlisten = \"[::]:8080\"\ntoken_file = \"" +
                          (dir / "token").string() + "\"\n",
                      dir / "iotgw.toml");
  EXPECT_EQ(config.http.address, "::");
  EXPECT_EQ(config.http.port, 8080);
  EXPECT_FALSE(config.http.loopback);
  EXPECT_EQ(config.http.token_file, dir / "token");
}

TEST(LoadTelemetry, ReadsTheClockHold) {
  const Config config = load_valid(
      "[gateway]\nid = \"gw\"\n[mqtt]\nurl = \"mqtt://b\"\n[telemetry]\nclock_hold = \"0s\"\n");
  EXPECT_EQ(config.telemetry.clock_hold, 0s);
}

TEST(LoadStore, ABackfillRateWithoutLiveFirstIsOnlyWarnedAbout) {
  const LoadResult result = load_string(
      "[gateway]\nid = \"gw\"\n[mqtt]\nurl = \"mqtt://b\"\n[store]\nbackfill_rate = 200\n",
      "test.toml");
  ASSERT_TRUE(result.config.has_value());
  ASSERT_EQ(result.diagnostics.size(), 1U);
  EXPECT_EQ(result.diagnostics[0].to_string(),
            "test.toml:6:17: warning: store.backfill_rate paces only the backlog of "
            "store.delivery = \"live_first\"; with \"fifo\" it is not used");
}

TEST(LoadBuses, ReadsModbusSerialBusDeviceAndPoints) {
  const Config config = load_valid(std::string(minimal) +
                                   "[[bus]]\nname = \"rs485\"\nprotocol = \"modbus-rtu\"\n"
                                   "port = \"usb:0403:6001:A10K3B\"\nbaud = 19200\n"
                                   "parity = \"even\"\ndata_bits = 7\nstop_bits = 2\n"
                                   "flow_control = \"rtscts\"\ntimeout = \"1s\"\nretries = 3\n"
                                   "frame_gap = \"5ms\"\nrs485 = true\n"
                                   "rs485_delay_before_send = \"1ms\"\n"
                                   "[[bus.device]]\nname = \"meter\"\nunit_id = 7\n"
                                   "poll_interval = \"250ms\"\nmax_gap = 0\nmax_registers = 60\n"
                                   "[[bus.device.point]]\nname = \"energy\"\n"
                                   "register = \"input\"\naddress = 40\ntype = \"uint64\"\n"
                                   "byte_order = \"DCBA\"\nscale = 0.001\noffset = -1\n"
                                   "unit = \"kWh\"\ndeadband = 0.5\nheartbeat = \"10m\"\n"
                                   "[[bus.device.point]]\nname = \"alarm\"\naddress = 3\n"
                                   "type = \"bool\"\nbit = 15\n"
                                   "[[bus.device.point]]\nname = \"relay\"\n"
                                   "register = \"coil\"\naddress = 9\nwritable = true\n");
  ASSERT_EQ(config.buses.size(), 1U);
  const Bus& bus = config.buses[0];
  EXPECT_EQ(bus.protocol, Protocol::modbus_rtu);
  EXPECT_EQ(bus.port, "usb:0403:6001:A10K3B");
  EXPECT_EQ(bus.baud, 19200U);
  EXPECT_EQ(bus.parity, Parity::even);
  EXPECT_EQ(bus.data_bits, 7);
  EXPECT_EQ(bus.stop_bits, 2);
  EXPECT_EQ(bus.flow_control, FlowControl::rtscts);
  EXPECT_EQ(bus.timeout, 1s);
  EXPECT_EQ(bus.retries, 3);
  EXPECT_EQ(bus.frame_gap, Duration(5));
  EXPECT_TRUE(bus.rs485.enabled);
  EXPECT_EQ(bus.rs485.delay_before_send, 1ms);
  ASSERT_EQ(bus.devices.size(), 1U);
  const Device& device = bus.devices[0];
  EXPECT_EQ(device.unit_id, 7);
  EXPECT_EQ(device.poll_interval, 250ms);
  EXPECT_EQ(device.max_gap, 0);
  EXPECT_EQ(device.max_registers, 60);
  ASSERT_EQ(device.points.size(), 3U);
  const Point& energy = device.points[0];
  EXPECT_EQ(energy.register_kind, RegisterKind::input);
  EXPECT_EQ(energy.address, 40);
  EXPECT_EQ(energy.type, ValueType::uint64);
  EXPECT_EQ(energy.byte_order, ByteOrder::DCBA);
  EXPECT_DOUBLE_EQ(energy.scale, 0.001);
  EXPECT_DOUBLE_EQ(energy.offset, -1.0);
  EXPECT_EQ(energy.unit, "kWh");
  EXPECT_DOUBLE_EQ(energy.deadband, 0.5);
  EXPECT_EQ(energy.heartbeat, 600s);
  const Point& alarm = device.points[1];
  EXPECT_EQ(alarm.register_kind, RegisterKind::holding);
  EXPECT_EQ(alarm.type, ValueType::boolean);
  EXPECT_EQ(alarm.bit, 15);
  const Point& relay = device.points[2];
  EXPECT_EQ(relay.type, ValueType::boolean);  // the default for coils
  EXPECT_TRUE(relay.writable);
}

TEST(LoadBuses, ReadsNetworkAndLineBuses) {
  const Config config = load_valid(std::string(minimal) +
                                   "[[bus]]\nname = \"plc\"\nprotocol = \"modbus-tcp\"\n"
                                   "host = \"10.1.2.3\"\n"
                                   "[[bus.device]]\nname = \"plc1\"\nunit_id = 255\n"
                                   "[[bus.device.point]]\nname = \"v\"\naddress = 0\n"
                                   "[[bus]]\nname = \"moxa\"\n"
                                   "protocol = \"modbus-rtu-over-tcp\"\nhost = \"[fe80::1]:4001\"\n"
                                   "[[bus.device]]\nname = \"drive\"\n"
                                   "[[bus.device.point]]\nname = \"rpm\"\naddress = 1\n"
                                   "[[bus]]\nname = \"wx\"\nprotocol = \"line\"\n"
                                   "port = \"/dev/ttyAMA0\"\ndelimiter = \"\\r\\n\"\n"
                                   "max_line = 128\n"
                                   "[[bus.device]]\nname = \"station\"\n"
                                   "[[bus.device.point]]\nname = \"t\"\nkey = \"TEMP\"\n"
                                   "[[bus.device.point]]\nname = \"id\"\ntype = \"string\"\n");
  ASSERT_EQ(config.buses.size(), 3U);
  EXPECT_EQ(config.buses[0].host, "10.1.2.3");
  EXPECT_EQ(config.buses[0].tcp_port, 502);
  EXPECT_EQ(config.buses[0].devices[0].unit_id, 255);
  EXPECT_EQ(config.buses[1].host, "fe80::1");
  EXPECT_EQ(config.buses[1].tcp_port, 4001);
  EXPECT_FALSE(config.buses[1].is_serial());
  const Bus& line = config.buses[2];
  EXPECT_EQ(line.delimiter, "\r\n");
  EXPECT_EQ(line.max_line, 128U);
  EXPECT_TRUE(line.devices[0].pattern.empty());
  EXPECT_EQ(line.devices[0].points[0].key, "TEMP");
  EXPECT_EQ(line.devices[0].points[0].type, ValueType::float64);
  EXPECT_EQ(line.devices[0].points[1].key, "id");
  EXPECT_EQ(line.devices[0].points[1].type, ValueType::string);
}

TEST(LoadFile, ReportsAFileThatCannotBeRead) {
  const LoadResult result = load_file("/nonexistent/iotgw.toml");
  ASSERT_EQ(result.diagnostics.size(), 1U);
  EXPECT_EQ(result.diagnostics[0].to_string(),
            "/nonexistent/iotgw.toml:1:1: error: cannot read the file: No such file or directory");
  EXPECT_FALSE(result.config.has_value());
}

}  // namespace
}  // namespace iotgw::config
