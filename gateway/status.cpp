#include "gateway/status.hpp"

#include <cmath>
#include <initializer_list>
#include <iterator>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "gateway/json_text.hpp"

namespace iotgw::gateway {
namespace {

// A sample's value: integers stay integers, so that a large counter is written
// exactly rather than rounded through a double.
using Number = std::variant<std::int64_t, std::uint64_t, double>;

using Label = std::pair<std::string_view, std::string_view>;

void append_number(std::string& out, const Number& number) {
  std::visit(
      [&out](auto v) {
        if constexpr (std::is_same_v<decltype(v), double>) {
          // The format spells the non-finite values as Go's ParseFloat reads them.
          if (std::isnan(v)) {
            out += "NaN";
          } else if (std::isinf(v)) {
            out += v > 0 ? "+Inf" : "-Inf";
          } else {
            // fmt's shortest form reads back as the same double.
            fmt::format_to(std::back_inserter(out), "{}", v);
          }
        } else {
          fmt::format_to(std::back_inserter(out), "{}", v);
        }
      },
      number);
}

// Label values are UTF-8 in the format (a parser refuses anything else), with
// backslash, double quote and line feed escaped. Names come from the
// configuration, but a device's string register is not the only source of
// stray bytes, so they are made valid rather than trusted.
void append_label_value(std::string& out, std::string_view value) {
  std::string valid;
  append_valid_utf8(valid, value);
  for (const char c : valid) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

// HELP texts are constants here, free of the backslashes and line feeds the
// format would have escaped.
void append_header(std::string& out, std::string_view name, std::string_view type,
                   std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void append_sample(std::string& out, std::string_view name, std::initializer_list<Label> labels,
                   const Number& value) {
  out += name;
  if (labels.size() != 0) {
    out += '{';
    bool first = true;
    for (const auto& [label, label_value] : labels) {
      if (!first) {
        out += ',';
      }
      first = false;
      out += label;
      out += "=\"";
      append_label_value(out, label_value);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  append_number(out, value);
  out += '\n';
}

void counter(std::string& out, std::string_view name, std::string_view help, std::uint64_t value) {
  append_header(out, name, "counter", help);
  append_sample(out, name, {}, value);
}

void gauge(std::string& out, std::string_view name, std::string_view help, const Number& value) {
  append_header(out, name, "gauge", help);
  append_sample(out, name, {}, value);
}

Number flag(bool value) {
  return std::uint64_t{value ? 1u : 0u};
}

// A counter with one sample per device; the family is left out when no device
// has one (a parser drops a family without samples anyway).
template <typename Get>
void device_counter(std::string& out, const Status& status, std::string_view name,
                    std::string_view help, bool modbus_only, Get get) {
  bool headed = false;
  for (const DeviceStatus& device : status.devices) {
    if (modbus_only && device.protocol == "line") {
      continue;
    }
    if (!headed) {
      append_header(out, name, "counter", help);
      headed = true;
    }
    append_sample(out, name, {{"bus", device.bus}, {"device", device.name}}, get(device));
  }
}

// A gauge with one sample per point that has a value for it (get gives
// nullopt for those that do not).
template <typename Get>
void point_gauge(std::string& out, const Status& status, std::string_view name,
                 std::string_view help, Get get) {
  bool headed = false;
  for (const DeviceStatus& device : status.devices) {
    for (const PointStatus& point : device.points) {
      const std::optional<Number> value = get(point);
      if (!value) {
        continue;
      }
      if (!headed) {
        append_header(out, name, "gauge", help);
        headed = true;
      }
      append_sample(out, name,
                    {{"bus", device.bus}, {"device", device.name}, {"point", point.name}}, *value);
    }
  }
}

// A point's value as a sample: booleans as 0 and 1, strings not at all.
std::optional<Number> numeric(const drivers::Value& value) {
  return std::visit(
      [](const auto& v) -> std::optional<Number> {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return std::nullopt;
        } else if constexpr (std::is_same_v<T, bool>) {
          return flag(v);
        } else {
          return Number{v};
        }
      },
      value);
}

using Json = nlohmann::ordered_json;

Json json_value(const drivers::Value& value) {
  return std::visit(
      [](const auto& v) -> Json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, double>) {
          // JSON has no NaN or infinity.
          if (!std::isfinite(v)) {
            return nullptr;
          }
        }
        return v;
      },
      value);
}

Json point_json(const PointStatus& point) {
  Json json;
  json["name"] = point.name;
  json["unit"] = point.unit;
  json["value"] = point.value ? json_value(*point.value) : Json(nullptr);
  json["quality"] = point.quality;
  json["age_s"] = point.age_s ? Json(*point.age_s) : Json(nullptr);
  json["writable"] = point.writable;
  return json;
}

Json device_json(const DeviceStatus& device) {
  Json json;
  json["name"] = device.name;
  json["bus"] = device.bus;
  json["protocol"] = device.protocol;
  json["readings"] = device.readings;
  json["requests"] = device.requests;
  json["timeouts"] = device.timeouts;
  json["crc_errors"] = device.crc_errors;
  json["exceptions"] = device.exceptions;
  Json points = Json::array();
  for (const PointStatus& point : device.points) {
    points.push_back(point_json(point));
  }
  json["points"] = std::move(points);
  return json;
}

}  // namespace

std::string prometheus_text(const Status& status) {
  std::string out;
  append_header(out, "iotgw_build_info", "gauge",
                "Always 1; the labels name the gateway and its software version.");
  append_sample(out, "iotgw_build_info",
                {{"version", status.version}, {"gateway", status.gateway_id}}, std::uint64_t{1});
  gauge(out, "iotgw_uptime_seconds", "Seconds since the service started.", status.uptime_s);
  gauge(out, "iotgw_resident_memory_bytes", "Resident memory of the gateway process in bytes.",
        status.rss_bytes);
  gauge(out, "iotgw_healthy", "1 while the gateway judges itself healthy, else 0.",
        flag(status.healthy));
  gauge(out, "iotgw_clock_synchronised",
        "1 while the system clock is synchronised, else 0 (rows wait for the wall clock).",
        flag(status.clock_synchronised));

  counter(out, "iotgw_readings_total", "Readings taken from every bus.", status.readings);
  counter(out, "iotgw_readings_suppressed_total",
          "Readings held back by report by exception (deadband or unchanged).", status.suppressed);
  counter(out, "iotgw_readings_dropped_total",
          "Readings the store refused (full, by policy, or a database error).", status.dropped);

  gauge(out, "iotgw_queue_rows", "Messages waiting in the store.", status.queue_rows);
  gauge(out, "iotgw_queue_bytes", "Bytes of the messages waiting in the store.",
        status.queue_bytes);
  gauge(out, "iotgw_queue_oldest_age_seconds",
        "Age in seconds of the oldest message waiting in the store; 0 when it is empty.",
        status.oldest_queued_age_s);
  gauge(out, "iotgw_queue_clock_held_rows",
        "Messages in the store held until the wall clock is synchronised.", status.clock_held);
  counter(out, "iotgw_messages_queued_total", "Messages the store accepted.", status.queued);
  counter(out, "iotgw_messages_evicted_total",
          "Messages the store dropped for its bounds or a full disk.", status.evicted);
  counter(out, "iotgw_store_fsyncs_total", "Times the store synced its file to disk.",
          status.fsyncs);

  gauge(out, "iotgw_mqtt_connected", "1 while connected to an MQTT broker, else 0.",
        flag(status.connected));
  append_header(out, "iotgw_mqtt_broker_info", "gauge",
                "Always 1; the labels name the broker connected, or tried next, and its place "
                "in the list.");
  const std::string index = fmt::format("{}", status.broker_index);
  append_sample(out, "iotgw_mqtt_broker_info", {{"url", status.broker}, {"index", index}},
                std::uint64_t{1});
  counter(out, "iotgw_mqtt_reconnects_total", "Connections to a broker made again after a loss.",
          status.reconnects);
  counter(out, "iotgw_mqtt_failovers_total", "Moves to the next broker in the list.",
          status.failovers);
  counter(out, "iotgw_messages_published_total", "Messages handed to the MQTT client.",
          status.published);
  counter(out, "iotgw_messages_acknowledged_total",
          "Messages the broker acknowledged (at QoS 0: written to the connection).",
          status.acknowledged);
  counter(out, "iotgw_messages_expired_total",
          "Messages dropped unsent for being older than the telemetry expiry.", status.expired);
  counter(out, "iotgw_messages_rejected_total",
          "Messages the broker refused, or that could not be sent at all.", status.rejected);
  counter(out, "iotgw_commands_total", "Command messages received.", status.commands);
  counter(out, "iotgw_commands_refused_total", "Commands refused before reaching a bus.",
          status.commands_refused);

  device_counter(out, status, "iotgw_device_readings_total", "Readings taken from the device.",
                 false, [](const DeviceStatus& d) { return d.readings; });
  device_counter(out, status, "iotgw_device_requests_total", "Modbus requests sent to the device.",
                 true, [](const DeviceStatus& d) { return d.requests; });
  device_counter(out, status, "iotgw_device_timeouts_total",
                 "Modbus requests the device did not answer in time.", true,
                 [](const DeviceStatus& d) { return d.timeouts; });
  device_counter(out, status, "iotgw_device_crc_errors_total",
                 "Modbus answers from the device that failed the checksum.", true,
                 [](const DeviceStatus& d) { return d.crc_errors; });
  device_counter(out, status, "iotgw_device_exceptions_total",
                 "Modbus exception responses from the device.", true,
                 [](const DeviceStatus& d) { return d.exceptions; });

  point_gauge(out, status, "iotgw_point_value",
              "The point's last value in its unit; booleans as 0 and 1, text points left out.",
              [](const PointStatus& p) -> std::optional<Number> {
                return p.value ? numeric(*p.value) : std::nullopt;
              });
  point_gauge(out, status, "iotgw_point_age_seconds", "Seconds since the point's last reading.",
              [](const PointStatus& p) -> std::optional<Number> {
                return p.age_s ? std::optional<Number>(*p.age_s) : std::nullopt;
              });
  point_gauge(
      out, status, "iotgw_point_good",
      "1 when the point's last reading was good, else 0 (also before any reading).",
      [](const PointStatus& p) -> std::optional<Number> { return flag(p.quality == "good"); });
  return out;
}

std::string status_json(const Status& status) {
  Json json;
  json["gateway"] = status.gateway_id;
  json["version"] = status.version;
  json["uptime_s"] = status.uptime_s;
  json["rss_bytes"] = status.rss_bytes;
  json["health"] = {{"healthy", status.healthy}, {"reason", status.health_reason}};
  json["readings"] = {
      {"total", status.readings}, {"suppressed", status.suppressed}, {"dropped", status.dropped}};
  json["queue"] = {{"rows", status.queue_rows},
                   {"bytes", status.queue_bytes},
                   {"oldest_age_s", status.oldest_queued_age_s},
                   {"queued", status.queued},
                   {"evicted", status.evicted},
                   {"fsyncs", status.fsyncs},
                   {"clock_held", status.clock_held}};
  json["uplink"] = {{"connected", status.connected},       {"broker", status.broker},
                    {"broker_index", status.broker_index}, {"reconnects", status.reconnects},
                    {"failovers", status.failovers},       {"published", status.published},
                    {"acknowledged", status.acknowledged}, {"expired", status.expired},
                    {"rejected", status.rejected}};
  json["commands"] = {{"total", status.commands}, {"refused", status.commands_refused}};
  json["clock"] = {{"synchronised", status.clock_synchronised}};
  Json devices = Json::array();
  for (const DeviceStatus& device : status.devices) {
    devices.push_back(device_json(device));
  }
  json["devices"] = std::move(devices);
  // Names and string values may hold bytes that are not UTF-8 (a string
  // register holds whatever the device sent): replaced, not thrown over.
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace iotgw::gateway
