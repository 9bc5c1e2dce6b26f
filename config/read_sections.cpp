// Readers for the single-table sections: [gateway], [mqtt] (with [mqtt.tls] and
// [mqtt.will]), [store], [telemetry], [commands], [sparkplug], [homeassistant]
// and [http].
#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <charconv>
#include <netinet/in.h>
#include <utility>

#include "config/file_checks.hpp"
#include "config/names.hpp"
#include "config/readers.hpp"
#include "config/topic_template.hpp"

namespace iotgw::config {
namespace {

// The largest remaining length MQTT 3.1.1 can encode (2.2.3).
constexpr std::uint64_t max_mqtt_packet = 268'435'455;

std::filesystem::path resolve(const ReadContext& context, const std::filesystem::path& path) {
  if (path.empty() || path.is_absolute()) {
    return path;
  }
  return context.base_dir / path;
}

// Reads a file path and checks that it names something readable of the right
// kind; fix says what to name instead when it is of the wrong kind. False when
// the path is set and cannot be used.
bool read_file(TableReader& reader, const ReadContext& context, std::string_view key,
               std::filesystem::path& out, FileKind kind, std::string_view fix) {
  reader.read_path(key, out);
  out = resolve(context, out);
  if (out.empty()) {
    return true;
  }
  const Check found = readable(out, kind);
  if (found) {
    return true;
  }
  std::string problem = found.error();
  std::error_code error;
  const auto status = std::filesystem::status(out, error);
  const bool wrong_kind = std::filesystem::exists(status) &&
                          (kind == FileKind::regular ? !std::filesystem::is_regular_file(status)
                                                     : !std::filesystem::is_directory(status));
  if (wrong_kind) {
    problem += "; " + std::string(fix);
  }
  reader.error_at(key, reader.key_path(key) + ": " + problem);
  return false;
}

// Reads a file that holds a secret and checks that others cannot read it.
bool read_secret_file(TableReader& reader, const ReadContext& context, std::string_view key,
                      std::filesystem::path& out, std::string_view fix) {
  if (!read_file(reader, context, key, out, FileKind::regular, fix)) {
    return false;
  }
  if (out.empty()) {
    return true;
  }
  if (const Check kept = private_to_owner(out); !kept) {
    reader.error_at(key, reader.key_path(key) + ": " + kept.error());
    return false;
  }
  return true;
}

// Reads a file that holds a bearer token: besides read_secret_file's checks,
// its group cannot read it either, and it is not empty. The token itself is
// read when the server starts.
bool read_token_file(TableReader& reader, const ReadContext& context, std::string_view key,
                     std::filesystem::path& out) {
  if (!read_file(reader, context, key, out, FileKind::regular,
                 "name a file that holds the bearer token")) {
    return false;
  }
  if (out.empty()) {
    return true;
  }
  if (const Check kept = private_to_user(out); !kept) {
    reader.error_at(key, reader.key_path(key) + ": " + kept.error());
    return false;
  }
  if (const Check filled = not_empty(out); !filled) {
    reader.error_at(
        key, reader.key_path(key) + ": " + filled.error() + "; write the bearer token in it");
    return false;
  }
  return true;
}

// Splits http.listen, "HOST:PORT" with HOST an IPv4 address, "[IPv6]" or
// "localhost", into the Http fields.
Check parse_listen(const std::string& listen, Http& http) {
  const std::string example = "e.g. \"127.0.0.1:9108\"";
  std::string_view rest = listen;
  std::string host;
  bool ipv6 = false;
  if (rest.starts_with('[')) {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos || close + 1 == rest.size() || rest[close + 1] != ':') {
      return "\"" + listen + "\" is not HOST:PORT, " + example;
    }
    host = std::string(rest.substr(1, close - 1));
    ipv6 = true;
    rest.remove_prefix(close + 2);
  } else {
    const std::size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) {
      return "\"" + listen + "\" is not HOST:PORT, " + example;
    }
    host = std::string(rest.substr(0, colon));
    rest.remove_prefix(colon + 1);
  }
  if (host.empty() || rest.empty()) {
    return "\"" + listen + "\" is not HOST:PORT, " + example;
  }
  in_addr v4{};
  in6_addr v6{};
  bool loopback = false;
  if (ipv6 && ::inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    loopback = IN6_IS_ADDR_LOOPBACK(&v6);
  } else if (!ipv6 && ::inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    loopback = (ntohl(v4.s_addr) >> 24) == 127;
  } else if (!ipv6 && host == "localhost") {
    host = "127.0.0.1";
    loopback = true;
  } else {
    return "in \"" + listen +
           "\", HOST must be an IPv4 address, an IPv6 address in brackets or localhost, "
           "e.g. \"127.0.0.1:9108\" or \"[::1]:9108\"";
  }
  if (rest.find_first_not_of("0123456789") != std::string_view::npos) {
    return "\"" + listen + "\" is not HOST:PORT, " + example;
  }
  unsigned port = 0;
  const std::errc error = std::from_chars(rest.data(), rest.data() + rest.size(), port).ec;
  if (error != std::errc{} || port == 0 || port > 65535) {
    return "\"" + listen + "\" has a bad port; use 1 to 65535";
  }
  http.address = std::move(host);
  http.port = static_cast<std::uint16_t>(port);
  http.loopback = loopback;
  return {};
}

// Splits "mqtt://host:port" and "mqtts://[::1]" into the Broker fields.
Check parse_url(const std::string& url, Broker& broker) {
  std::string_view rest = url;
  if (rest.starts_with("mqtts://")) {
    broker.use_tls = true;
    broker.port = 8883;
    rest.remove_prefix(8);
  } else if (rest.starts_with("mqtt://")) {
    broker.use_tls = false;
    broker.port = 1883;
    rest.remove_prefix(7);
  } else {
    return "\"" + url + "\" must start with mqtt:// or mqtts://";
  }
  if (!rest.empty() && rest.back() == '/') {
    rest.remove_suffix(1);
  }
  if (rest.find('@') != std::string_view::npos) {
    return "put credentials in username and password (or password_file), not in the url";
  }
  if (rest.find('/') != std::string_view::npos) {
    return "\"" + url + "\" has a path; write only scheme, host and port";
  }
  std::string_view port;
  if (rest.starts_with('[')) {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) {
      return "\"" + url + "\" has an unclosed IPv6 address";
    }
    broker.host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    if (!rest.empty() && rest.front() != ':') {
      return "\"" + url + "\" has text after the IPv6 address";
    }
    port = rest.empty() ? rest : rest.substr(1);
  } else {
    const std::size_t colon = rest.rfind(':');
    broker.host = std::string(rest.substr(0, colon));
    port = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
  }
  if (broker.host.empty()) {
    return "\"" + url + "\" has no host";
  }
  if (!port.empty() || rest.ends_with(':')) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (error != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
      return "\"" + url + "\" has a bad port; use 1 to 65535";
    }
    broker.port = static_cast<std::uint16_t>(value);
  }
  return {};
}

void read_tls(TableReader& reader, const ReadContext& context, Tls& tls) {
  read_file(reader, context, "ca_file", tls.ca_file, FileKind::regular,
            "name the CA bundle file (a folder of CA certificates goes in ca_dir)");
  read_file(reader, context, "ca_dir", tls.ca_dir, FileKind::directory,
            "name a folder of CA certificates (a single CA bundle file goes in ca_file)");
  read_file(reader, context, "cert_file", tls.cert_file, FileKind::regular,
            "name the client certificate file");
  read_secret_file(reader, context, "key_file", tls.key_file, "name the client key file");
  reader.read("server_name", tls.server_name);
  reader.read("alpn", tls.alpn);
  reader.read("insecure_skip_verify", tls.insecure_skip_verify);
  if (!tls.cert_file.empty() && tls.key_file.empty() && !reader.has("key_file")) {
    reader.error_at("cert_file", reader.key_path("cert_file") +
                                     ": a client certificate needs its key; set key_file too");
  }
  if (tls.cert_file.empty() && !tls.key_file.empty() && !reader.has("cert_file")) {
    reader.error_at("key_file", reader.key_path("key_file") +
                                    ": a client key needs its certificate; set cert_file too");
  }
  if (tls.insecure_skip_verify) {
    const Place where = reader.place("insecure_skip_verify");
    reader.diagnostics().warning(
        where.line, where.column,
        reader.key_path("insecure_skip_verify") +
            ": the broker's certificate will not be verified; never use this in production");
  }
  reader.finish();
}

void read_will(TableReader& reader, Will& will) {
  reader.read("topic", will.topic);
  reader.read("payload", will.payload);
  reader.read("qos", will.qos, 0, 2);
  reader.read("retain", will.retain);
  reader.read("delay", will.delay, 0s, std::chrono::seconds{0xFFFF'FFFF});
  if (const Check usable = check_template(will.topic, placeholder_prefix | placeholder_gateway);
      !usable) {
    reader.error_at("topic", reader.key_path("topic") + ": " + usable.error());
  } else if (will.topic.find_first_of("+#") != std::string::npos) {
    reader.error_at("topic", reader.key_path("topic") + ": a will topic cannot hold + or #");
  }
  reader.finish();
}

// Reads a Sparkplug id; empty stands for none (edge_node_id: gateway.id).
void read_sparkplug_id(TableReader& reader, std::string_view key, std::string& id) {
  reader.read(key, id);
  if (id.empty()) {
    return;
  }
  if (const Check usable = check_sparkplug_id(id); !usable) {
    reader.error_at(key, reader.key_path(key) + ": " + usable.error());
  }
}

}  // namespace

bool usable_name(std::string_view name) {
  return !name.empty() && name.find_first_not_of(
                              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                              "0123456789_-") == std::string_view::npos;
}

void check_name(TableReader& reader, std::string_view key, const std::string& name) {
  if (!usable_name(name) && reader.has(key)) {
    reader.error_at(key, reader.key_path(key) + ": \"" + name +
                             "\" is not a usable name; use letters, digits, _ and - only "
                             "(it becomes part of MQTT topics)");
  }
}

void read_gateway(TableReader& reader, const ReadContext& context, Gateway& gateway) {
  reader.read_required("id", gateway.id);
  check_name(reader, "id", gateway.id);
  reader.read_path("state_dir", gateway.state_dir);
  gateway.state_dir = resolve(context, gateway.state_dir);
  if (const Check usable = usable_directory(gateway.state_dir); !usable) {
    reader.error_at("state_dir", reader.key_path("state_dir") + ": " + usable.error() +
                                     "; name a directory for the store (created when missing), "
                                     "e.g. \"/var/lib/iotgw\"");
  }
  reader.read_choice<LogLevel>("log_level", gateway.log_level, log_level_names);
  reader.finish();
}

// mqtt.url: one URL, or an array of them tried in order.
void read_brokers(TableReader& reader, Mqtt& mqtt) {
  reader.require("url");
  std::vector<PlacedString> urls;
  reader.read_one_or_many("url", urls);
  if (urls.size() > max_brokers) {
    reader.error_at("url", reader.key_path("url") + ": lists " + std::to_string(urls.size()) +
                               " brokers; at most " + std::to_string(max_brokers) + " are tried");
    return;
  }
  for (std::size_t i = 0; i < urls.size(); ++i) {
    const std::string name =
        reader.key_path("url") + (urls.size() > 1 ? "[" + std::to_string(i) + "]" : std::string());
    Broker broker;
    broker.url = urls[i].value;
    const Check parsed = parse_url(broker.url, broker);
    const auto same =
        std::find_if(mqtt.brokers.begin(), mqtt.brokers.end(), [&](const Broker& listed) {
          return listed.use_tls == broker.use_tls && listed.host == broker.host &&
                 listed.port == broker.port;
        });
    if (!parsed) {
      reader.diagnostics().error(urls[i].place.line, urls[i].place.column,
                                 name + ": " + parsed.error());
    } else if (same != mqtt.brokers.end()) {
      reader.diagnostics().error(urls[i].place.line, urls[i].place.column,
                                 name + ": \"" + broker.url +
                                     "\" is listed twice; list each "
                                     "broker once");
    }
    mqtt.brokers.push_back(std::move(broker));
  }
}

void read_mqtt(TableReader& reader, const ReadContext& context, Mqtt& mqtt) {
  read_brokers(reader, mqtt);
  reader.read("failback", mqtt.failback, 0s, 24h);
  if (mqtt.failback > 0s && mqtt.failback < 1s) {
    reader.error_at("failback", reader.key_path("failback") +
                                    ": use at least 1s (each check opens a connection to the "
                                    "first broker), or 0s for no failback");
  }
  reader.read("client_id", mqtt.client_id);
  reader.read("username", mqtt.username);
  reader.read("password", mqtt.password);
  const bool password_file_usable =
      read_secret_file(reader, context, "password_file", mqtt.password_file,
                       "name a file whose first line is the password");
  if (!mqtt.password.empty() && reader.has("password_file")) {
    reader.error_at("password_file", reader.key_path("password_file") +
                                         ": set either password or password_file, not both");
  } else if (!mqtt.password_file.empty() && password_file_usable) {
    mqtt.password = first_line(mqtt.password_file).value_or("");
  }
  reader.read("keepalive", mqtt.keepalive, 1s, 65535s);
  reader.read("clean_session", mqtt.clean_session);
  reader.read("qos", mqtt.qos, 0, 2);
  reader.read("topic_prefix", mqtt.topic_prefix);
  if (mqtt.topic_prefix.find_first_of("+#{}") != std::string::npos) {
    reader.error_at("topic_prefix", reader.key_path("topic_prefix") + ": cannot hold +, #, { or }");
  }
  reader.read("inflight", mqtt.inflight, 1, 65535);
  std::uint64_t max_packet_size = mqtt.max_packet_size;
  reader.read_size("max_packet_size", max_packet_size, 1 * KiB, max_mqtt_packet);
  mqtt.max_packet_size = static_cast<std::uint32_t>(max_packet_size);
  reader.read("reconnect_min", mqtt.reconnect_min, 10ms);
  reader.read("reconnect_max", mqtt.reconnect_max, 10ms);
  if (mqtt.reconnect_max < mqtt.reconnect_min) {
    reader.error_at("reconnect_max",
                    reader.key_path("reconnect_max") + ": must not be shorter than reconnect_min");
  }
  reader.read_choice<MqttVersion>("version", mqtt.version, mqtt_version_names);
  reader.read("session_expiry", mqtt.session_expiry, 0s, std::chrono::seconds{0xFFFF'FFFF});
  reader.read("topic_aliases", mqtt.topic_aliases, 0, 65535);
  if (const toml::table* table = reader.subtable("tls")) {
    TableReader tls(*table, reader.key_path("tls"), reader.diagnostics());
    read_tls(tls, context, mqtt.tls);
    const bool any_tls = std::any_of(mqtt.brokers.begin(), mqtt.brokers.end(),
                                     [](const Broker& broker) { return broker.use_tls; });
    if (!any_tls && !mqtt.brokers.empty()) {
      const Place where = tls.table_place();
      reader.diagnostics().warning(where.line, where.column,
                                   "mqtt.tls is not used because mqtt.url starts with mqtt://; "
                                   "use mqtts:// for TLS");
    }
  }
  if (const toml::table* table = reader.subtable("will")) {
    TableReader will(*table, reader.key_path("will"), reader.diagnostics());
    read_will(will, mqtt.will);
  }
  reader.finish();
}

void read_store(TableReader& reader, Store& store) {
  reader.read_path("path", store.path);
  reader.read("max_rows", store.max_rows, 1, 1'000'000'000);
  reader.read_size("max_bytes", store.max_bytes, 64 * KiB, 1ULL << 40);
  reader.read_choice<Overflow>("overflow", store.overflow, overflow_names);
  reader.read_choice<Sync>("sync", store.sync, sync_names);
  reader.read("commit_interval", store.commit_interval, 0s, 1h);
  reader.read("commit_batch", store.commit_batch, 1, 1'000'000);
  reader.read_choice<Delivery>("delivery", store.delivery, delivery_names);
  reader.read("backfill_rate", store.backfill_rate, 0, 1'000'000);
  if (store.backfill_rate > 0 && store.delivery != Delivery::live_first) {
    const Place where = reader.place("backfill_rate");
    reader.diagnostics().warning(
        where.line, where.column,
        reader.key_path("backfill_rate") +
            " paces only the backlog of store.delivery = \"live_first\"; with \"fifo\" it is "
            "not used");
  }
  reader.finish();
}

void read_telemetry(TableReader& reader, Telemetry& telemetry) {
  reader.read("topic", telemetry.topic);
  reader.read_choice<PayloadFormat>("payload", telemetry.payload, payload_format_names);
  reader.read("metrics_interval", telemetry.metrics_interval);
  if (telemetry.metrics_interval > 0s && telemetry.metrics_interval < 1s) {
    reader.error_at("metrics_interval", reader.key_path("metrics_interval") +
                                            ": use at least 1s, or 0s to turn metrics off");
  }
  reader.read("expiry", telemetry.expiry, 0s, std::chrono::seconds{0xFFFF'FFFF});
  if (telemetry.expiry > 0s && telemetry.expiry < 1s) {
    reader.error_at("expiry", reader.key_path("expiry") +
                                  ": use at least 1s (MQTT counts expiry in seconds), or 0s for "
                                  "never");
  }
  reader.read("clock_hold", telemetry.clock_hold, 0s, std::chrono::hours{24 * 365});
  const bool per_device = telemetry.payload == PayloadFormat::device_json;
  const unsigned allowed = placeholder_prefix | placeholder_gateway | placeholder_device |
                           (per_device ? 0u : placeholder_point);
  const unsigned needed = placeholder_device | (per_device ? 0u : placeholder_point);
  if (const Check usable = check_template(telemetry.topic, allowed); !usable) {
    reader.error_at("topic", reader.key_path("topic") + ": " + usable.error());
  } else if ((placeholders_used(telemetry.topic) & needed) != needed) {
    reader.error_at("topic", reader.key_path("topic") + ": must contain {device}" +
                                 (per_device ? "" : " and {point}") +
                                 " so that every point has its own topic");
  } else if (telemetry.topic.find_first_of("+#") != std::string::npos) {
    reader.error_at("topic", reader.key_path("topic") + ": a telemetry topic cannot hold + or #");
  }
  reader.finish();
}

void read_commands(TableReader& reader, Commands& commands) {
  reader.read("enabled", commands.enabled);
  reader.read("topic", commands.topic);
  reader.read("max_age", commands.max_age);
  if (const Check usable = check_template(commands.topic, placeholder_prefix | placeholder_gateway);
      !usable) {
    reader.error_at("topic", reader.key_path("topic") + ": " + usable.error());
  } else if (!commands.topic.ends_with("/#") ||
             commands.topic.substr(0, commands.topic.size() - 1).find_first_of("+#") !=
                 std::string::npos) {
    reader.error_at("topic", reader.key_path("topic") +
                                 ": must end with /# and hold no other wildcard, e.g. "
                                 "\"{prefix}/{gateway}/cmd/#\"");
  }
  reader.finish();
}

// Sparkplug B 1.0 (spBv1.0/{group_id}/{type}/{edge_node_id}): each id is a
// whole topic level, so it cannot be empty or hold the separator or a wildcard.
Check check_sparkplug_id(const std::string& id) {
  if (id.empty()) {
    return std::string("\"\" is empty; a Sparkplug id is one MQTT topic level and cannot be empty");
  }
  if (const std::size_t at = id.find_first_of("/+#"); at != std::string::npos) {
    return "\"" + id + "\" holds \"" + id[at] +
           "\"; a Sparkplug id is one MQTT topic level, so it cannot hold /, + or #";
  }
  if (id.size() > max_sparkplug_id) {
    return "\"" + id + "\" is " + std::to_string(id.size()) + " bytes; a Sparkplug id is at most " +
           std::to_string(max_sparkplug_id) + " bytes";
  }
  return {};
}

void read_sparkplug(TableReader& reader, Sparkplug& sparkplug) {
  reader.read("enabled", sparkplug.enabled);
  read_sparkplug_id(reader, "group_id", sparkplug.group_id);
  read_sparkplug_id(reader, "edge_node_id", sparkplug.edge_node_id);
  read_sparkplug_id(reader, "primary_host_id", sparkplug.primary_host_id);
  if (sparkplug.enabled && sparkplug.group_id.empty()) {
    reader.error_at(reader.has("group_id") ? "group_id" : "enabled",
                    reader.key_path("group_id") + ": required when " + reader.key_path("enabled") +
                        ", e.g. \"plant-1\"");
  }
  reader.finish();
}

void read_homeassistant(TableReader& reader, HomeAssistant& homeassistant) {
  reader.read("enabled", homeassistant.enabled);
  reader.read("discovery_prefix", homeassistant.discovery_prefix);
  const std::string& prefix = homeassistant.discovery_prefix;
  if (prefix.empty() || prefix.find_first_of("+#") != std::string::npos || prefix.front() == '/' ||
      prefix.back() == '/' || prefix.find("//") != std::string::npos) {
    reader.error_at("discovery_prefix",
                    reader.key_path("discovery_prefix") +
                        ": a topic without wildcards or empty levels, such as \"homeassistant\"");
  }
  reader.finish();
}

// The token file is checked here; whether a non-loopback listen has one is
// checked in load(), where a token_file of the wrong type can be told apart.
void read_http(TableReader& reader, const ReadContext& context, Http& http) {
  reader.read("listen", http.listen);
  if (http.enabled()) {
    if (const Check parsed = parse_listen(http.listen, http); !parsed) {
      reader.error_at("listen", reader.key_path("listen") + ": " + parsed.error());
    }
  }
  read_token_file(reader, context, "token_file", http.token_file);
  reader.finish();
}

}  // namespace iotgw::config
