// The whole configuration of a gateway as plain structs, filled by load() from
// one TOML file. Key names, defaults and units follow the configuration
// reference in README.md; every other part of the program only reads these.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace iotgw::config {

using Duration = std::chrono::milliseconds;
using namespace std::chrono_literals;

inline constexpr std::uint64_t KiB = 1024;
inline constexpr std::uint64_t MiB = 1024 * KiB;

enum class LogLevel { trace, debug, info, warn, error };

struct Gateway {
  std::string id;
  std::filesystem::path state_dir = "/var/lib/iotgw";
  LogLevel log_level = LogLevel::info;
};

struct Tls {
  std::filesystem::path ca_file;  // empty with an empty ca_dir: the system bundle
  std::filesystem::path ca_dir;
  std::filesystem::path cert_file;
  std::filesystem::path key_file;
  std::string server_name;  // empty: each broker's own host
  std::vector<std::string> alpn;
  bool insecure_skip_verify = false;
};

struct Will {
  std::string topic = "{prefix}/{gateway}/status";  // resolved: placeholders expanded
  std::string payload = "offline";
  int qos = 1;
  bool retain = true;
  Duration delay = 0s;  // MQTT 5 Will Delay Interval
};

// "auto": CONNECT with MQTT 5, and speak 3.1.1 once a broker refuses it.
enum class MqttVersion { automatic, v5, v3_1_1 };

// One broker of mqtt.url.
struct Broker {
  std::string url{};
  bool use_tls = false;  // mqtts://
  std::string host{};
  std::uint16_t port = 1883;

  friend bool operator==(const Broker&, const Broker&) = default;
};

// mqtt.url names at most this many brokers.
inline constexpr std::size_t max_brokers = 16;

struct Mqtt {
  std::vector<Broker> brokers;  // mqtt.url: tried in order, wrapping around
  Duration failback = 10min;    // zero: stay on a later broker until it fails
  std::string client_id;        // resolved: gateway.id unless set
  std::string username;
  std::string password;  // resolved: the first line of password_file when that is set
  std::filesystem::path password_file;
  Duration keepalive = 30s;
  bool clean_session = false;
  int qos = 1;
  std::string topic_prefix = "iotgw";
  std::uint32_t inflight = 64;
  std::uint32_t max_packet_size = 256 * KiB;
  Duration reconnect_min = 1s;
  Duration reconnect_max = 60s;
  MqttVersion version = MqttVersion::automatic;
  Duration session_expiry = 24h;     // MQTT 5 Session Expiry Interval
  std::uint16_t topic_aliases = 64;  // MQTT 5 outbound topic aliases at most; 0 = none
  Tls tls;
  Will will;
};

enum class Overflow { drop_oldest, drop_newest };
enum class Sync { normal, full };
enum class Delivery { fifo, live_first };

struct Store {
  std::filesystem::path path = "queue.db";  // resolved: absolute, under gateway.state_dir
  std::uint64_t max_rows = 1'000'000;
  std::uint64_t max_bytes = 256 * MiB;
  Overflow overflow = Overflow::drop_oldest;
  Sync sync = Sync::normal;
  Duration commit_interval = 1s;
  std::uint32_t commit_batch = 10'000;  // a transaction commits early once this many wait
  Delivery delivery = Delivery::fifo;
  std::uint32_t backfill_rate = 0;  // live_first: backlog messages per second at most; 0 = unpaced
};

enum class PayloadFormat { json, value, device_json };

struct Telemetry {
  std::string topic = "{prefix}/{gateway}/{device}/{point}";
  PayloadFormat payload = PayloadFormat::json;
  Duration metrics_interval = 60s;  // zero: no metrics message
  Duration expiry = 0s;             // zero: readings never expire
  // Readings taken while the wall clock is not synchronised wait this long at
  // most for it, to be stamped anew; zero: they go out at once, marked.
  Duration clock_hold = 10min;
};

struct Commands {
  bool enabled = true;
  std::string topic = "{prefix}/{gateway}/cmd/#";  // resolved: placeholders expanded
  Duration max_age = 30s;
};

enum class Protocol { modbus_rtu, modbus_tcp, modbus_rtu_over_tcp, line };
enum class Parity { none, even, odd };
enum class FlowControl { none, rtscts, xonxoff };
enum class RegisterKind { holding, input, coil, discrete };
enum class ValueType {
  boolean,
  int16,
  uint16,
  int32,
  uint32,
  int64,
  uint64,
  float32,
  float64,
  string
};
enum class ByteOrder { ABCD, CDAB, BADC, DCBA };

// How a writable bool point that is one bit of a holding register is written:
// Mask Write Register (function 22), or a read of the register and a write of
// it with the bit changed, back to back on the bus (for devices without 22).
enum class BitWrite { mask, read_modify_write };

struct Point {
  std::string name;
  // Modbus points.
  RegisterKind register_kind = RegisterKind::holding;
  std::uint16_t address = 0;
  ValueType type = ValueType::uint16;  // line points: float64 unless set
  ByteOrder byte_order = ByteOrder::ABCD;
  std::optional<int> bit;  // a bool taken from one bit (0-15) of a holding or input register
  BitWrite bit_write = BitWrite::mask;  // a writable bit point's
  std::uint16_t length = 0;             // string: characters, two per register
  double scale = 1.0;
  double offset = 0.0;
  // Line points: the key in key=value lines (default: the point name).
  std::string key;
  // Every point.
  std::string unit;
  double deadband = 0.0;
  Duration heartbeat = 0s;
  bool writable = false;
  std::optional<double> min;
  std::optional<double> max;
};

struct Device {
  std::string name;
  int unit_id = 1;
  Duration poll_interval = 5s;
  int max_gap = 8;
  int max_registers = 125;  // per request; some devices accept fewer
  std::string pattern;      // line devices: empty means key=value pairs
  // Line devices: the bytes that ask for a reading (escapes decoded), sent
  // every poll_interval; empty: the device sends on its own and is listened to.
  std::string request;
  std::vector<Point> points;
};

struct Rs485 {
  bool enabled = false;
  bool rts_on_send = true;
  bool rts_after_send = false;
  Duration delay_before_send = 0ms;
  Duration delay_after_send = 0ms;
};

struct Bus {
  std::string name;
  Protocol protocol = Protocol::modbus_rtu;
  std::string port;  // serial buses: a device path, a by-id path or usb:VID:PID[:SERIAL]
  std::string host;  // network buses
  std::uint16_t tcp_port = 502;
  unsigned baud = 9600;
  Parity parity = Parity::none;
  int data_bits = 8;
  int stop_bits = 1;
  FlowControl flow_control = FlowControl::none;
  Duration timeout = 200ms;
  int retries = 1;
  std::optional<Duration> frame_gap;  // empty: 3.5 characters at this baud
  Rs485 rs485;
  std::string delimiter = "\n";
  std::uint32_t max_line = 512;
  std::vector<Device> devices;

  bool is_serial() const { return protocol == Protocol::modbus_rtu || protocol == Protocol::line; }
};

// A Sparkplug B id (group_id, edge_node_id, primary_host_id) is at most this many bytes.
inline constexpr std::size_t max_sparkplug_id = 64;

// Sparkplug B: when enabled, the uplink publishes in the spBv1.0 topic namespace.
struct Sparkplug {
  bool enabled = false;
  std::string group_id;         // the Group ID level of every topic; required when enabled
  std::string edge_node_id;     // resolved: gateway.id unless set
  std::string primary_host_id;  // the Primary Host Application's id; empty: none
};

// Home Assistant MQTT discovery: a retained config message per point.
struct HomeAssistant {
  bool enabled = false;
  std::string discovery_prefix = "homeassistant";
};

// The local HTTP endpoint (the running gateway's state, for `iotgw status`).
struct Http {
  std::string listen = "127.0.0.1:9108";  // "HOST:PORT" as written; empty: no endpoint
  // A bearer token that requests must carry; empty: none asked for, allowed only
  // on a loopback address. Resolved: relative paths are taken from the
  // configuration file's folder. Checked at load (a regular file, not empty,
  // private to its owner); its content is read when the server starts.
  std::filesystem::path token_file;
  // Resolved from listen: the IP address to bind, as text (IPv6 without
  // brackets; "localhost" becomes "127.0.0.1"), and the port (1-65535).
  std::string address = "127.0.0.1";
  std::uint16_t port = 9108;
  bool loopback = true;  // resolved: address is 127.0.0.0/8 or ::1

  bool enabled() const { return !listen.empty(); }
};

struct Config {
  std::filesystem::path source;  // the file it was read from
  Gateway gateway;
  Mqtt mqtt;
  Store store;
  Telemetry telemetry;
  Commands commands;
  Sparkplug sparkplug;
  HomeAssistant homeassistant;
  Http http;
  std::vector<Bus> buses;
};

// Registers (or coils) a point occupies from its address.
int register_count(const Point& point);

}  // namespace iotgw::config
