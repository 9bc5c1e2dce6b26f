// Broken configurations, each with the exact diagnostics it must produce:
// file, line, column and message, all of them, in file order.
#include <memory>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <vector>

#include <gtest/gtest.h>

#include "config/load.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/config/config_text.hpp"

namespace iotgw::config {
namespace {

using iotgw::test::TempDir;
using test::header;
using test::replace_all;

// A bus that is valid on its own, for cases that need one more bus or device.
constexpr const char* line_bus =
    "[[bus]]\n"
    "name = \"weather\"\n"
    "protocol = \"line\"\n"
    "port = \"/dev/ttyS1\"\n";

struct BrokenConfig {
  const char* name;
  std::string toml;                   // "{dir}" stands for a folder of prepared files
  std::vector<std::string> expected;  // "{dir}" likewise
};

// Names the case in failure messages instead of dumping its bytes.
void PrintTo(const BrokenConfig& broken, std::ostream* out) {
  *out << broken.name;
}

const std::vector<BrokenConfig>& broken_configs() {
  // One byte more than a Sparkplug id may have.
  static const std::string long_id(65, 'x');
  static const std::vector<BrokenConfig> cases = {
      {"SyntaxError",
       std::string(header) + "qos = \n",
       {"test.toml:5:7: error: Error while parsing key-value pair: expected value, saw '\\n'"}},
      {"MissingRequiredTable",
       "[gateway]\nid = \"gw\"\n",
       {"test.toml:1:1: error: missing required table [mqtt]"}},
      {"MissingRequiredKey",
       "[gateway]\nlog_level = \"debug\"\n[mqtt]\nurl = \"mqtt://h\"\n",
       {"test.toml:1:1: error: missing required key \"id\" in gateway"}},
      {"SectionOfWrongType",
       std::string(header) + "[telemetry]\n" + "[commands]\n" + "enabled = \"yes\"\n",
       {"test.toml:7:11: error: commands.enabled: expected true or false, found the string "
        "\"yes\""}},
      {"WrongType",
       std::string(header) + "[store]\nmax_rows = \"many\"\n",
       {"test.toml:6:12: error: store.max_rows: expected an integer, found the string \"many\""}},
      {"UnknownKeyWithSuggestion",
       std::string(header) + "[store]\nmax_row = 5\n",
       {"test.toml:6:1: error: unknown key \"max_row\" in store; did you mean \"max_rows\"?"}},
      {"UnknownKeyWithoutSuggestion",
       std::string(header) + "[commands]\nfoo = 1\n",
       {"test.toml:6:1: error: unknown key \"foo\" in commands; known keys: enabled, topic, "
        "max_age"}},
      {"UnknownTopLevelTable",
       std::string(header) + "[telemetri]\n",
       {"test.toml:5:2: error: unknown key \"telemetri\" at the top level; did you mean "
        "\"telemetry\"?"}},
      {"BadDuration",
       std::string(header) + "[commands]\nmax_age = \"30 seconds\"\n",
       {"test.toml:6:11: error: commands.max_age: \"30 seconds\" is not a duration; write a "
        "number and a unit (ms, s, m, h, d) such as \"250ms\", \"5s\" or \"1h30m\""}},
      {"DurationWithoutUnit",
       std::string(header) + "[telemetry]\nmetrics_interval = 60\n",
       {"test.toml:6:20: error: telemetry.metrics_interval: expected a duration such as \"30s\", "
        "found the integer 60; write the unit too, e.g. \"60s\""}},
      {"DurationOutOfRange",
       std::string(header) + "keepalive = \"2d\"\n",
       {"test.toml:5:13: error: mqtt.keepalive: 2d is out of range; use between 1s and "
        "18h12m15s"}},
      {"BadEnumWithSuggestion",
       std::string(header) + "[store]\noverflow = \"drop_old\"\n",
       {"test.toml:6:12: error: store.overflow: \"drop_old\" is not one of drop_oldest, "
        "drop_newest; did you mean \"drop_oldest\"?"}},
      {"BadDelivery",
       std::string(header) + "[store]\ndelivery = \"live\"\n",
       {"test.toml:6:12: error: store.delivery: \"live\" is not one of fifo, live_first; did you "
        "mean \"live_first\"?"}},
      {"NegativeBackfillRate",
       std::string(header) + "[store]\ndelivery = \"live_first\"\nbackfill_rate = -5\n",
       {"test.toml:7:17: error: store.backfill_rate: -5 is out of range; use 0 to 1000000"}},
      {"DiscoveryPrefixWithAWildcard",
       std::string(header) + "[homeassistant]\nenabled = true\ndiscovery_prefix = \"ha/#\"\n",
       {"test.toml:7:20: error: homeassistant.discovery_prefix: a topic without wildcards or "
        "empty levels, such as \"homeassistant\""}},
      {"SparkplugEnabledWithoutGroupId",
       std::string(header) + "[sparkplug]\nenabled = true\n",
       {"test.toml:6:11: error: sparkplug.group_id: required when sparkplug.enabled, e.g. "
        "\"plant-1\""}},
      {"SparkplugEnabledWithAnEmptyGroupId",
       std::string(header) + "[sparkplug]\nenabled = true\ngroup_id = \"\"\n",
       {"test.toml:7:12: error: sparkplug.group_id: required when sparkplug.enabled, e.g. "
        "\"plant-1\""}},
      {"SparkplugGroupIdWithASlash",
       std::string(header) + "[sparkplug]\ngroup_id = \"plant/1\"\n",
       {"test.toml:6:12: error: sparkplug.group_id: \"plant/1\" holds \"/\"; a Sparkplug id is "
        "one MQTT topic level, so it cannot hold /, + or #"}},
      {"SparkplugEdgeNodeIdWithAWildcard",
       std::string(header) + "[sparkplug]\ngroup_id = \"plant-1\"\nedge_node_id = \"pump+\"\n",
       {"test.toml:7:16: error: sparkplug.edge_node_id: \"pump+\" holds \"+\"; a Sparkplug id is "
        "one MQTT topic level, so it cannot hold /, + or #"}},
      {"SparkplugPrimaryHostIdTooLong",
       std::string(header) + "[sparkplug]\nprimary_host_id = \"" + long_id + "\"\n",
       {"test.toml:6:19: error: sparkplug.primary_host_id: \"" + long_id +
        "\" is 65 bytes; a Sparkplug id is at most 64 bytes"}},
      {"SparkplugEdgeNodeIdDefaultedToATooLongGatewayId",
       "[gateway]\nid = \"" + long_id + "\"\n[mqtt]\nurl = \"mqtt://h\"\n" +
           "[sparkplug]\nenabled = true\ngroup_id = \"plant-1\"\n",
       {"test.toml:6:11: error: sparkplug.enabled: the edge node id defaults to gateway.id, "
        "and \"" +
        long_id +
        "\" is 65 bytes; a Sparkplug id is at most 64 bytes; set sparkplug.edge_node_id"}},
      // Reported once, at gateway.id, not again as the edge node id.
      {"SparkplugEdgeNodeIdDefaultedToAnUnfitGatewayId",
       "[gateway]\nid = \"boiler/1\"\n[mqtt]\nurl = \"mqtt://h\"\n"
       "[sparkplug]\nenabled = true\ngroup_id = \"plant-1\"\n",
       {"test.toml:2:6: error: gateway.id: \"boiler/1\" is not a usable name; use letters, "
        "digits, _ and - only (it becomes part of MQTT topics)"}},
      {"SparkplugWithHomeAssistant",
       std::string(header) +
           "[sparkplug]\nenabled = true\ngroup_id = \"plant-1\"\n[homeassistant]\nenabled = true\n",
       {"test.toml:9:11: error: homeassistant.enabled: Home Assistant discovery needs the JSON "
        "telemetry topics; it cannot be used with sparkplug.enabled, so turn one of them off"}},
      {"ClockHoldNotADuration",
       std::string(header) + "[telemetry]\nclock_hold = \"ten minutes\"\n",
       {"test.toml:6:14: error: telemetry.clock_hold: \"ten minutes\" is not a duration; write a "
        "number and a unit (ms, s, m, h, d) such as \"250ms\", \"5s\" or \"1h30m\""}},
      {"BadSize",
       std::string(header) + "[store]\nmax_bytes = \"256 MB\"\n",
       {"test.toml:6:13: error: store.max_bytes: \"256 MB\" is not a size; write a number and a "
        "unit (B, KiB, MiB, GiB) such as \"256KiB\" or \"64MiB\""}},
      {"IntegerOutOfRange",
       std::string(header) + "qos = 3\n",
       {"test.toml:5:7: error: mqtt.qos: 3 is out of range; use 0 to 2"}},
      {"UrlWithWrongScheme",
       "[gateway]\nid = \"gw\"\n[mqtt]\nurl = \"tcp://h:1883\"\n",
       {"test.toml:4:7: error: mqtt.url: \"tcp://h:1883\" must start with mqtt:// or mqtts://"}},
      {"UrlWithBadPort",
       "[gateway]\nid = \"gw\"\n[mqtt]\nurl = \"mqtt://h:99999\"\n",
       {"test.toml:4:7: error: mqtt.url: \"mqtt://h:99999\" has a bad port; use 1 to 65535"}},
      {"BrokerListWithBadEntry",
       "[gateway]\nid = \"gw\"\n[mqtt]\nurl = [\"mqtt://a\", \"mqtt://b:0\"]\n",
       {"test.toml:4:20: error: mqtt.url[1]: \"mqtt://b:0\" has a bad port; use 1 to 65535"}},
      {"BrokerListedTwice",
       "[gateway]\nid = \"gw\"\n[mqtt]\nurl = [\"mqtt://a:1883\", \"mqtt://a:1883\"]\n",
       {"test.toml:4:25: error: mqtt.url[1]: \"mqtt://a:1883\" is listed twice; list each broker "
        "once"}},
      {"BrokerListedTwiceInTwoSpellings",
       "[gateway]\nid = \"gw\"\n[mqtt]\nurl = [\"mqtt://a\", \"mqtt://a:1883/\"]\n",
       {"test.toml:4:20: error: mqtt.url[1]: \"mqtt://a:1883/\" is listed twice; list each broker "
        "once"}},
      {"FailbackTooShort",
       "[gateway]\nid = \"gw\"\n[mqtt]\nurl = [\"mqtt://a\", \"mqtt://b\"]\nfailback = \"500ms\"\n",
       {"test.toml:5:12: error: mqtt.failback: use at least 1s (each check opens a connection to "
        "the first broker), or 0s for no failback"}},
      {"EmptyBrokerList",
       "[gateway]\nid = \"gw\"\n[mqtt]\nurl = []\n",
       {"test.toml:4:7: error: mqtt.url: expected a string or a non-empty array of strings, found "
        "an array"}},
      {"GatewayIdUnfitForTopics",
       "[gateway]\nid = \"boiler/1\"\n[mqtt]\nurl = \"mqtt://h\"\n",
       {"test.toml:2:6: error: gateway.id: \"boiler/1\" is not a usable name; use letters, "
        "digits, _ and - only (it becomes part of MQTT topics)"}},
      {"ReconnectBoundsReversed",
       std::string(header) + "reconnect_min = \"10s\"\nreconnect_max = \"5s\"\n",
       {"test.toml:6:17: error: mqtt.reconnect_max: must not be shorter than reconnect_min"}},
      {"PasswordTwice",
       std::string(header) + "password = \"x\"\npassword_file = \"{dir}/secret\"\n",
       {"test.toml:6:17: error: mqtt.password_file: set either password or password_file, not "
        "both"}},
      {"PasswordFileReadableByOthers",
       std::string(header) + "password_file = \"{dir}/open-secret\"\n",
       {"test.toml:5:17: error: mqtt.password_file: {dir}/open-secret is readable by others "
        "(mode 0644); run: chmod o-rwx {dir}/open-secret"}},
      {"MissingCaFile",
       std::string(header) + "[mqtt.tls]\nca_file = \"{dir}/missing.pem\"\n",
       {"test.toml:6:11: error: mqtt.tls.ca_file: {dir}/missing.pem does not exist"}},
      {"CaDirIsAFile",
       std::string(header) + "[mqtt.tls]\nca_dir = \"{dir}/cert.pem\"\n",
       {"test.toml:6:10: error: mqtt.tls.ca_dir: {dir}/cert.pem is a regular file, not a "
        "directory; name a folder of CA certificates (a single CA bundle file goes in ca_file)"}},
      {"KeyFileReadableByOthers",
       std::string(header) +
           "[mqtt.tls]\ncert_file = \"{dir}/cert.pem\"\nkey_file = \"{dir}/open-key.pem\"\n",
       {"test.toml:7:12: error: mqtt.tls.key_file: {dir}/open-key.pem is readable by others "
        "(mode 0644); run: chmod o-rwx {dir}/open-key.pem"}},
      {"CertificateWithoutKey",
       std::string(header) + "[mqtt.tls]\ncert_file = \"{dir}/cert.pem\"\n",
       {"test.toml:6:13: error: mqtt.tls.cert_file: a client certificate needs its key; set "
        "key_file too"}},
      {"HttpListenWithoutPort",
       std::string(header) + "[http]\nlisten = \"127.0.0.1\"\n",
       {"test.toml:6:10: error: http.listen: \"127.0.0.1\" is not HOST:PORT, e.g. "
        "\"127.0.0.1:9108\""}},
      {"HttpListenWithAnEmptyPort",
       std::string(header) + "[http]\nlisten = \"[::1]:\"\n",
       {"test.toml:6:10: error: http.listen: \"[::1]:\" is not HOST:PORT, e.g. "
        "\"127.0.0.1:9108\""}},
      {"HttpListenWithAHostName",
       std::string(header) + "[http]\nlisten = \"gateway.local:9108\"\n",
       {"test.toml:6:10: error: http.listen: in \"gateway.local:9108\", HOST must be an IPv4 "
        "address, an IPv6 address in brackets or localhost, e.g. \"127.0.0.1:9108\" or "
        "\"[::1]:9108\""}},
      {"HttpListenWithAnIpv6AddressOutOfBrackets",
       std::string(header) + "[http]\nlisten = \"::1:9108\"\n",
       {"test.toml:6:10: error: http.listen: in \"::1:9108\", HOST must be an IPv4 address, an "
        "IPv6 address in brackets or localhost, e.g. \"127.0.0.1:9108\" or \"[::1]:9108\""}},
      {"HttpListenOnPortZero",
       std::string(header) + "[http]\nlisten = \"127.0.0.1:0\"\n",
       {"test.toml:6:10: error: http.listen: \"127.0.0.1:0\" has a bad port; use 1 to 65535"}},
      {"HttpListenOnAPortPastTheLast",
       std::string(header) + "[http]\nlisten = \"0.0.0.0:65536\"\n",
       {"test.toml:6:10: error: http.listen: \"0.0.0.0:65536\" has a bad port; use 1 to 65535"}},
      {"HttpListenOnAllAddressesWithoutToken",
       std::string(header) + "[http]\nlisten = \"0.0.0.0:9108\"\n",
       {"test.toml:6:10: error: http.listen: a non-loopback address needs http.token_file (a "
        "bearer token, readable by the gateway only)"}},
      {"HttpListenOnAnIpv6AddressWithAnEmptyTokenFile",
       std::string(header) + "[http]\nlisten = \"[fd00::7]:9108\"\ntoken_file = \"\"\n",
       {"test.toml:6:10: error: http.listen: a non-loopback address needs http.token_file (a "
        "bearer token, readable by the gateway only)"}},
      // Reported once, at token_file, not again at listen.
      {"HttpTokenFileOfTheWrongType",
       std::string(header) + "[http]\nlisten = \"0.0.0.0:9108\"\ntoken_file = 7\n",
       {"test.toml:7:14: error: http.token_file: expected a string, found the integer 7"}},
      {"HttpMissingTokenFile",
       std::string(header) + "[http]\nlisten = \"0.0.0.0:9108\"\n" +
           "token_file = \"{dir}/missing-token\"\n",
       {"test.toml:7:14: error: http.token_file: {dir}/missing-token does not exist"}},
      {"HttpTokenFileIsADirectory",
       std::string(header) + "[http]\ntoken_file = \"{dir}\"\n",
       {"test.toml:6:14: error: http.token_file: {dir} is a directory, not a regular file; name a "
        "file that holds the bearer token"}},
      {"HttpTokenFileReadableByGroup",
       std::string(header) + "[http]\ntoken_file = \"{dir}/group-token\"\n",
       {"test.toml:6:14: error: http.token_file: {dir}/group-token is readable by its group (mode "
        "0640); run: chmod go-rwx {dir}/group-token"}},
      {"HttpTokenFileReadableByOthers",
       std::string(header) + "[http]\ntoken_file = \"{dir}/open-secret\"\n",
       {"test.toml:6:14: error: http.token_file: {dir}/open-secret is readable by its group and "
        "others (mode 0644); run: chmod go-rwx {dir}/open-secret"}},
      {"HttpEmptyTokenFile",
       std::string(header) + "[http]\nlisten = \"0.0.0.0:9108\"\n" +
           "token_file = \"{dir}/empty-token\"\n",
       {"test.toml:7:14: error: http.token_file: {dir}/empty-token is empty; write the bearer "
        "token in it"}},
      {"WillTopicWithWildcard",
       std::string(header) + "[mqtt.will]\ntopic = \"{prefix}/+/status\"\n",
       {"test.toml:6:9: error: mqtt.will.topic: a will topic cannot hold + or #"}},
      {"TelemetryTopicWithoutPoint",
       std::string(header) + "[telemetry]\ntopic = \"{prefix}/{device}\"\n",
       {"test.toml:6:9: error: telemetry.topic: must contain {device} and {point} so that every "
        "point has its own topic"}},
      {"UnknownPlaceholder",
       std::string(header) + "[telemetry]\ntopic = \"{prefix}/{site}/{device}/{point}\"\n",
       {"test.toml:6:9: error: telemetry.topic: unknown placeholder {site}; use {prefix}, "
        "{gateway}, {device} or {point}"}},
      {"CommandTopicWithoutWildcard",
       std::string(header) + "[commands]\ntopic = \"{prefix}/cmd\"\n",
       {"test.toml:6:9: error: commands.topic: must end with /# and hold no other wildcard, e.g. "
        "\"{prefix}/{gateway}/cmd/#\""}},
      {"DuplicateBusName",
       std::string(header) + line_bus +
           "[[bus]]\nname = \"weather\"\nprotocol = \"line\"\n"
           "port = \"/dev/ttyS2\"\n",
       {"test.toml:5:1: warning: bus[0].name: bus \"weather\" has no devices; add [[bus.device]] "
        "tables",
        "test.toml:9:1: warning: bus[1].name: bus \"weather\" has no devices; add [[bus.device]] "
        "tables",
        "test.toml:10:8: error: bus[1].name: duplicate bus name \"weather\" (first defined on "
        "line 6)"}},
      {"DuplicateDeviceAcrossBuses",
       std::string(header) +
           "[[bus]]\nname = \"a\"\nprotocol = \"modbus-tcp\"\nhost = \"10.0.0.1\"\n"
           "[[bus.device]]\nname = \"meter\"\n[[bus.device.point]]\nname = \"v\"\naddress = 0\n"
           "[[bus]]\nname = \"b\"\nprotocol = \"modbus-tcp\"\nhost = \"10.0.0.2\"\n"
           "[[bus.device]]\nname = \"meter\"\n[[bus.device.point]]\nname = \"v\"\naddress = 0\n",
       {"test.toml:19:8: error: bus[1].device[0].name: duplicate device name \"meter\" (first "
        "defined on line 10)"}},
      {"DuplicatePointName",
       std::string(header) +
           "[[bus]]\nname = \"a\"\nprotocol = \"modbus-tcp\"\nhost = \"10.0.0.1\"\n"
           "[[bus.device]]\nname = \"meter\"\n[[bus.device.point]]\nname = \"v\"\naddress = 0\n"
           "[[bus.device.point]]\nname = \"v\"\naddress = 1\n",
       {"test.toml:15:8: error: bus[0].device[0].point[1].name: duplicate point name \"v\" (first "
        "defined on line 12)"}},
      {"WritablePointsOverlap",
       std::string(header) +
           "[[bus]]\nname = \"a\"\nprotocol = \"modbus-tcp\"\nhost = \"10.0.0.1\"\n"
           "[[bus.device]]\nname = \"plc\"\n"
           "[[bus.device.point]]\nname = \"target\"\naddress = 10\ntype = \"float32\"\n"
           "writable = true\n"
           "[[bus.device.point]]\nname = \"limit\"\naddress = 11\nwritable = true\n",
       {"test.toml:18:11: error: bus[0].device[0].point[1].address: writable point \"limit\" "
        "overlaps writable point \"target\" on holding 10; two writable points cannot share a "
        "register"}},
      {"BitWriteOfAPointThatIsNoWritableBit",
       std::string(header) +
           "[[bus]]\nname = \"a\"\nprotocol = \"modbus-tcp\"\nhost = \"10.0.0.1\"\n"
           "[[bus.device]]\nname = \"plc\"\n"
           "[[bus.device.point]]\nname = \"x\"\naddress = 3\nbit_write = \"mask\"\n",
       {"test.toml:14:13: error: bus[0].device[0].point[0].bit_write: applies to a writable bool "
        "point with bit on a holding register; remove it"}},
      {"ABitAndTheWholeRegisterBothWritable",
       std::string(header) +
           "[[bus]]\nname = \"a\"\nprotocol = \"modbus-tcp\"\nhost = \"10.0.0.1\"\n"
           "[[bus.device]]\nname = \"plc\"\n"
           "[[bus.device.point]]\nname = \"word\"\naddress = 10\nwritable = true\n"
           "[[bus.device.point]]\nname = \"flag\"\naddress = 10\ntype = \"bool\"\nbit = 2\n"
           "writable = true\n"
           "[[bus.device.point]]\nname = \"other\"\naddress = 10\ntype = \"bool\"\nbit = 3\n"
           "writable = true\n",
       {"test.toml:17:11: error: bus[0].device[0].point[1].address: writable point \"flag\" "
        "overlaps writable point \"word\" on holding 10; two writable points cannot share a "
        "register",
        "test.toml:23:11: error: bus[0].device[0].point[2].address: writable point \"other\" "
        "overlaps writable point \"word\" on holding 10; two writable points cannot share a "
        "register"}},
      {"RegisterPastTheEnd",
       std::string(header) +
           "[[bus]]\nname = \"a\"\nprotocol = \"modbus-tcp\"\nhost = \"10.0.0.1\"\n"
           "[[bus.device]]\nname = \"plc\"\n"
           "[[bus.device.point]]\nname = \"total\"\naddress = 65533\ntype = \"uint64\"\n",
       {"test.toml:13:11: error: bus[0].device[0].point[0].address: 65533 plus the 4 registers "
        "of this type ends at 65536, past the last address 65535"}},
      {"PortAndHost",
       std::string(header) +
           "[[bus]]\nname = \"a\"\nprotocol = \"modbus-rtu\"\nport = \"/dev/ttyUSB0\"\n"
           "host = \"10.0.0.1:502\"\n",
       {"test.toml:5:1: warning: bus[0].name: bus \"a\" has no devices; add [[bus.device]] "
        "tables",
        "test.toml:9:8: error: bus[0].host: set either port (a serial line) or host (a network "
        "server), not both"}},
      {"NeitherPortNorHost",
       std::string(header) + "[[bus]]\nname = \"a\"\nprotocol = \"modbus-tcp\"\n"
                             "[[bus.device]]\nname = \"plc\"\n"
                             "[[bus.device.point]]\nname = \"v\"\naddress = 0\n",
       {"test.toml:5:1: error: missing required key \"host\" in bus[0]: a network bus needs host "
        "= \"address:port\""}},
      {"SerialKeyOnNetworkBus",
       std::string(header) + "[[bus]]\nname = \"a\"\nprotocol = \"modbus-tcp\"\n"
                             "host = \"10.0.0.1\"\nbaud = 9600\n"
                             "[[bus.device]]\nname = \"plc\"\n"
                             "[[bus.device.point]]\nname = \"v\"\naddress = 0\n",
       {"test.toml:9:8: error: bus[0].baud: applies to serial buses only; this bus talks to a "
        "network server"}},
      {"PatternWithTooFewGroups",
       std::string(header) + line_bus +
           "[[bus.device]]\nname = \"station\"\npattern = 'T=([0-9.]+)'\n"
           "[[bus.device.point]]\nname = \"t\"\n[[bus.device.point]]\nname = \"h\"\n",
       {"test.toml:11:11: error: bus[0].device[0].pattern: has 1 capture groups for 2 points; "
        "each point takes one group, in order"}},
      {"PollIntervalOfALineDeviceWithoutARequest",
       std::string(header) + line_bus +
           "[[bus.device]]\nname = \"station\"\npoll_interval = \"1s\"\n"
           "[[bus.device.point]]\nname = \"t\"\n",
       {"test.toml:11:17: error: bus[0].device[0].poll_interval: line devices without a request "
        "are read as their lines arrive; add request to poll this one"}},
      {"RequestWithABadEscape",
       std::string(header) + line_bus +
           "[[bus.device]]\nname = \"station\"\nrequest = '#01RD\\q'\n"
           "[[bus.device.point]]\nname = \"t\"\n",
       {"test.toml:11:11: error: bus[0].device[0].request: a request of 1 to 256 bytes, with "
        "\\r, \\n, \\t, \\\\ and \\xNN escapes, e.g. \"#01RD\\r\""}},
      {"ModbusKeyOnLineDevice",
       std::string(header) + line_bus +
           "[[bus.device]]\nname = \"station\"\nunit_id = 2\n"
           "[[bus.device.point]]\nname = \"t\"\n",
       {"test.toml:11:11: error: bus[0].device[0].unit_id: applies to Modbus devices only"}},
      {"CoilWithNumericType",
       std::string(header) +
           "[[bus]]\nname = \"a\"\nprotocol = \"modbus-tcp\"\nhost = \"10.0.0.1\"\n"
           "[[bus.device]]\nname = \"plc\"\n"
           "[[bus.device.point]]\nname = \"run\"\nregister = \"coil\"\naddress = 0\n"
           "type = \"float32\"\n",
       {"test.toml:15:8: error: bus[0].device[0].point[0].type: a coil holds single bits; use "
        "type = \"bool\" or a holding register"}},
      {"WritableInputRegister",
       std::string(header) +
           "[[bus]]\nname = \"a\"\nprotocol = \"modbus-tcp\"\nhost = \"10.0.0.1\"\n"
           "[[bus.device]]\nname = \"plc\"\n"
           "[[bus.device.point]]\nname = \"v\"\nregister = \"input\"\naddress = 0\n"
           "writable = true\n",
       {"test.toml:15:12: error: bus[0].device[0].point[0].writable: input registers are "
        "read-only in Modbus; use holding or coil"}},
      {"StringWithoutLength",
       std::string(header) +
           "[[bus]]\nname = \"a\"\nprotocol = \"modbus-tcp\"\nhost = \"10.0.0.1\"\n"
           "[[bus.device]]\nname = \"plc\"\n"
           "[[bus.device.point]]\nname = \"model\"\naddress = 0\ntype = \"string\"\n",
       {"test.toml:14:8: error: bus[0].device[0].point[0].type: a string point needs length "
        "(characters, two per register)"}},
      {"BroadcastUnitPolled",
       std::string(header) +
           "[[bus]]\nname = \"a\"\nprotocol = \"modbus-rtu\"\nport = \"/dev/ttyUSB0\"\n"
           "[[bus.device]]\nname = \"plc\"\nunit_id = 0\n"
           "[[bus.device.point]]\nname = \"v\"\naddress = 0\n",
       {"test.toml:11:11: error: bus[0].device[0].unit_id: 0 is out of range; use 1 to 247"}},
      {"MinAboveMax",
       std::string(header) +
           "[[bus]]\nname = \"a\"\nprotocol = \"modbus-tcp\"\nhost = \"10.0.0.1\"\n"
           "[[bus.device]]\nname = \"plc\"\n"
           "[[bus.device.point]]\nname = \"sp\"\naddress = 0\nwritable = true\nmin = 80\n"
           "max = 5\n",
       {"test.toml:16:7: error: bus[0].device[0].point[0].max: 5.0 is below min 80.0; writes must "
        "fit in [min, max], so make max at least min"}},
      {"EveryErrorAtOnce",
       "[gateway]\nid = \"gw\"\nlog_level = \"verbose\"\n[mqtt]\nurl = \"mqtt://h\"\n"
       "inflight = 0\nkeepalive = \"soon\"\n",
       {"test.toml:3:13: error: gateway.log_level: \"verbose\" is not one of trace, debug, info, "
        "warn, error",
        "test.toml:6:12: error: mqtt.inflight: 0 is out of range; use 1 to 65535",
        "test.toml:7:13: error: mqtt.keepalive: \"soon\" is not a duration; write a number and a "
        "unit (ms, s, m, h, d) such as \"250ms\", \"5s\" or \"1h30m\""}},
  };
  return cases;
}

class BrokenConfigTest : public testing::TestWithParam<BrokenConfig> {
 protected:
  static void SetUpTestSuite() {
    folder_ = std::make_unique<TempDir>("iotgw-config-test");
    write("cert.pem", 0644);
    write("key.pem", 0600);
    write("open-key.pem", 0644);
    write("secret", 0600);
    write("open-secret", 0644);
    write("group-token", 0640);
    write("empty-token", 0600, "");
  }

  static void TearDownTestSuite() { folder_.reset(); }

  static void write(const char* name, mode_t mode, std::string_view content = "placeholder\n") {
    ::chmod(folder_->write(name, content).c_str(), mode);
  }

  // The folder of prepared files that "{dir}" stands for.
  static std::string dir() { return folder_->path().string(); }

  static inline std::unique_ptr<TempDir> folder_;
};

TEST_P(BrokenConfigTest, ReportsExactlyTheseDiagnostics) {
  const BrokenConfig& broken = GetParam();
  const LoadResult result = load_string(replace_all(broken.toml, "{dir}", dir()), "test.toml");

  std::vector<std::string> actual;
  for (const Diagnostic& diagnostic : result.diagnostics) {
    actual.push_back(diagnostic.to_string());
  }
  std::vector<std::string> expected;
  for (const std::string& line : broken.expected) {
    expected.push_back(replace_all(line, "{dir}", dir()));
  }
  EXPECT_EQ(actual, expected);
  EXPECT_FALSE(result.config.has_value());
}

INSTANTIATE_TEST_SUITE_P(Config, BrokenConfigTest, testing::ValuesIn(broken_configs()),
                         [](const testing::TestParamInfo<BrokenConfig>& param) {
                           return std::string(param.param.name);
                         });

}  // namespace
}  // namespace iotgw::config
