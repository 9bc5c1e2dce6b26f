#include "gateway/summary.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "config/names.hpp"
#include "config/topic_template.hpp"
#include "config/units.hpp"

namespace iotgw::gateway {
namespace {

// "delivery fifo", or "live first, backlog at most 50/s".
std::string delivery_summary(const config::Store& store) {
  if (store.delivery == config::Delivery::fifo) {
    return "delivery fifo";
  }
  return store.backfill_rate == 0
             ? std::string("live first, backlog as fast as the window allows")
             : fmt::format("live first, backlog at most {}/s", store.backfill_rate);
}

using namespace config;

std::string count(std::size_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// "/dev/ttyUSB0 9600 8N1" or "192.168.1.50:502".
std::string endpoint(const Bus& bus) {
  if (!bus.is_serial()) {
    return fmt::format("{}:{}", bus.host, bus.tcp_port);
  }
  static constexpr char parity[] = {'N', 'E', 'O'};
  return fmt::format("{} {} {}{}{}", bus.port, bus.baud, bus.data_bits,
                     parity[static_cast<int>(bus.parity)], bus.stop_bits);
}

std::string point_line(const Bus& bus, const Point& point, const std::string& topic) {
  std::string where;
  if (bus.protocol == Protocol::line) {
    where = std::string(name_of(point.type));
  } else {
    where =
        fmt::format("{} {} {}", name_of(point.register_kind), point.address, name_of(point.type));
    if (point.bit) {
      where += fmt::format(" bit {}", *point.bit);
    }
  }
  std::string access;
  if (point.writable) {
    access = " writable";
    if (point.min || point.max) {
      access += fmt::format(" [{}, {}]", point.min ? fmt::format("{}", *point.min) : "",
                            point.max ? fmt::format("{}", *point.max) : "");
    }
  }
  return fmt::format("      {:<16} {}{} -> {}\n", point.name, where, access, topic);
}

}  // namespace

std::string summarize(const Config& config) {
  const Mqtt& mqtt = config.mqtt;
  const Store& store = config.store;
  std::string text;
  int devices = 0;
  int points = 0;
  int writable = 0;
  for (const Bus& bus : config.buses) {
    devices += static_cast<int>(bus.devices.size());
    for (const Device& device : bus.devices) {
      points += static_cast<int>(device.points.size());
      for (const Point& point : device.points) {
        writable += point.writable ? 1 : 0;
      }
    }
  }
  text +=
      fmt::format("gateway {}: {}, {}, {} ({} writable)\n", config.gateway.id,
                  count(config.buses.size(), "bus", "buses"), count(devices, "device", "devices"),
                  count(points, "point", "points"), writable);
  std::vector<std::string> urls;
  bool any_tls = false;
  for (const config::Broker& broker : mqtt.brokers) {
    urls.push_back(broker.url);
    any_tls = any_tls || broker.use_tls;
  }
  std::string brokers = fmt::format("{}", fmt::join(urls, ", "));
  if (urls.size() > 1) {
    brokers += mqtt.failback.count() > 0
                   ? fmt::format(" (in this order; back to the first after {})",
                                 format_duration(mqtt.failback))
                   : " (in this order; no failback)";
  }
  text += fmt::format("{}{} as \"{}\", MQTT {}, QoS {}, keepalive {}{}\n",
                      urls.size() > 1 ? "brokers " : "broker  ", brokers, mqtt.client_id,
                      mqtt.version == config::MqttVersion::automatic ? "5 (3.1.1 if refused)"
                                                                     : name_of(mqtt.version),
                      mqtt.qos, format_duration(mqtt.keepalive),
                      !any_tls                        ? ""
                      : mqtt.tls.insecure_skip_verify ? ", TLS WITHOUT VERIFICATION"
                                                      : ", TLS verified");
  text += fmt::format("store   {} (at most {} messages, {}, {} when full, sync {}, {})\n",
                      store.path.string(), store.max_rows, format_size(store.max_bytes),
                      name_of(store.overflow), name_of(store.sync), delivery_summary(store));

  const TopicFields gateway_fields{.prefix = mqtt.topic_prefix, .gateway = config.gateway.id};
  text += "topics\n";
  const config::Sparkplug& sparkplug = config.sparkplug;
  const std::string sparkplug_node = "spBv1.0/" + sparkplug.group_id + "/";
  if (sparkplug.enabled) {
    text += fmt::format(
        "  sparkplug {0}{{NBIRTH,NDEATH,NCMD}}/{1}, {0}{{DBIRTH,DDATA,DDEATH,DCMD}}/{1}/{{device}} "
        "(will NDEATH, bdSeq kept in {2})\n",
        sparkplug_node, sparkplug.edge_node_id,
        (config.gateway.state_dir / "sparkplug-bdseq").string());
    if (!sparkplug.primary_host_id.empty()) {
      text += fmt::format("  state     spBv1.0/STATE/{} (births and data while it is online)\n",
                          sparkplug.primary_host_id);
    }
  } else {
    text += fmt::format("  status    {} (retained; \"online\", will \"{}\")\n", mqtt.will.topic,
                        mqtt.will.payload);
  }
  if (!sparkplug.enabled && config.telemetry.metrics_interval.count() > 0) {
    text += fmt::format("  metrics   {} every {}\n",
                        expand_topic("{prefix}/{gateway}/metrics", gateway_fields),
                        format_duration(config.telemetry.metrics_interval));
  }
  if (!sparkplug.enabled && config.commands.enabled) {
    text += fmt::format("  commands  {}\n", config.commands.topic);
  }
  if (config.homeassistant.enabled) {
    text += fmt::format("  discovery {}/…/{}/…/config (Home Assistant, retained; {})\n",
                        config.homeassistant.discovery_prefix, config.gateway.id,
                        count(points, "entity", "entities"));
  }
  text += config.http.enabled()
              ? fmt::format("http    status on http://{}/ (/metrics, /healthz, /api/status){}\n",
                            config.http.listen,
                            config.http.token_file.empty()
                                ? ""
                                : ", bearer token from " + config.http.token_file.string())
              : std::string("http    off\n");
  text += "buses\n";
  for (const Bus& bus : config.buses) {
    text += fmt::format("  {}: {} {}\n", bus.name, name_of(bus.protocol), endpoint(bus));
    for (const Device& device : bus.devices) {
      if (bus.protocol == Protocol::line) {
        text += fmt::format(
            "    {}: {}{}\n", device.name, device.pattern.empty() ? "key=value lines" : "pattern",
            device.request.empty() ? ""
                                   : fmt::format(", asked every {} (timeout {}, {} retries)",
                                                 format_duration(device.poll_interval),
                                                 format_duration(bus.timeout), bus.retries));
      } else {
        text += fmt::format("    {}: unit {}, every {}\n", device.name, device.unit_id,
                            format_duration(device.poll_interval));
      }
      for (const Point& point : device.points) {
        TopicFields fields = gateway_fields;
        fields.device = device.name;
        fields.point = point.name;
        text += point_line(bus, point,
                           sparkplug.enabled ? sparkplug_node + "DDATA/" + sparkplug.edge_node_id +
                                                   "/" + device.name
                                             : expand_topic(config.telemetry.topic, fields));
      }
    }
  }
  return text;
}

}  // namespace iotgw::gateway
