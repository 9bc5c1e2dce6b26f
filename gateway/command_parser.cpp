#include "gateway/command_parser.hpp"

#include <cmath>
#include <ctime>
#include <vector>

#include <fmt/format.h>

#include "config/names.hpp"
#include "config/units.hpp"

namespace iotgw {
namespace {

using json = nlohmann::json;
using std::chrono::system_clock;

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) {
      return parts;
    }
    start = end + 1;
  }
}

// "2026-11-25T19:00:00.123Z" or seconds since the epoch.
std::optional<system_clock::time_point> parse_time(const json& ts) {
  if (ts.is_number()) {
    return system_clock::time_point(std::chrono::duration_cast<system_clock::duration>(
        std::chrono::duration<double>(ts.get<double>())));
  }
  if (!ts.is_string()) {
    return std::nullopt;
  }
  const std::string text = ts.get<std::string>();
  std::tm utc{};
  int millis = 0;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &utc.tm_year, &utc.tm_mon,
                  &utc.tm_mday, &utc.tm_hour, &utc.tm_min, &utc.tm_sec, &consumed) != 6) {
    return std::nullopt;
  }
  std::string_view rest = std::string_view(text).substr(static_cast<std::size_t>(consumed));
  if (rest.starts_with('.')) {
    std::size_t digits = 1;
    while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) {
      if (digits <= 3) {
        millis = millis * 10 + (rest[digits] - '0');
      }
      ++digits;
    }
    for (std::size_t pad = digits; pad <= 3; ++pad) {
      millis *= 10;
    }
    rest.remove_prefix(digits);
  }
  if (rest != "Z") {
    return std::nullopt;
  }
  utc.tm_year -= 1900;
  utc.tm_mon -= 1;
  return system_clock::from_time_t(::timegm(&utc)) + std::chrono::milliseconds(millis);
}

// The JSON value as the point's type, or why it is not one.
std::variant<drivers::Value, std::string> to_point_value(const config::Point& point,
                                                         const json& value) {
  using config::ValueType;
  if (point.type == ValueType::boolean) {
    if (value.is_boolean()) {
      return drivers::Value(value.get<bool>());
    }
    if (value.is_number() && (value == 0 || value == 1)) {
      return drivers::Value(value == 1);
    }
    return std::string("expects true or false");
  }
  if (point.type == ValueType::string) {
    if (value.is_string()) {
      return drivers::Value(value.get<std::string>());
    }
    return std::string("expects a string");
  }
  if (!value.is_number()) {
    return fmt::format("expects a number ({})", config::name_of(point.type));
  }
  const double number = value.get<double>();
  if (!std::isfinite(number)) {
    return std::string("expects a finite number");
  }
  if ((point.min && number < *point.min) || (point.max && number > *point.max)) {
    return fmt::format("{} is outside the allowed range [{}, {}]", number,
                       point.min ? fmt::format("{}", *point.min) : "",
                       point.max ? fmt::format("{}", *point.max) : "");
  }
  return drivers::Value(number);
}

}  // namespace

CommandParser::CommandParser(const config::Config& config)
    : base_(config.commands.topic.substr(0, config.commands.topic.size() - 2)),
      max_age_(config.commands.max_age),
      config_(config) {
  for (std::size_t b = 0; b < config.buses.size(); ++b) {
    for (std::size_t d = 0; d < config.buses[b].devices.size(); ++d) {
      devices_.emplace(config.buses[b].devices[d].name, DeviceAddress{b, d});
    }
  }
}

ParsedCommand CommandParser::parse(std::string_view topic, std::string_view payload, bool retained,
                                   system_clock::time_point now) const {
  if (!topic.starts_with(base_) || topic.size() <= base_.size() || topic[base_.size()] != '/') {
    return NotACommand{"outside the command topic"};
  }
  const std::vector<std::string_view> levels = split(topic.substr(base_.size() + 1), '/');
  if (levels.back() == "result") {
    return NotACommand{"a result"};
  }
  const bool is_set = levels.size() == 3 && levels[2] == "set";
  const bool is_read = levels.size() == 2 && levels[1] == "read";
  if (!is_set && !is_read) {
    return NotACommand{"not …/DEVICE/POINT/set or …/DEVICE/read"};
  }
  const std::string result_topic = is_set
                                       ? fmt::format("{}/{}/{}/result", base_, levels[0], levels[1])
                                       : fmt::format("{}/{}/result", base_, levels[0]);
  Refusal refusal{result_topic, nullptr, ""};

  // The payload first, so that even a refusal for the topic carries the sender's id.
  json body;
  json value;
  if (!payload.empty()) {
    body = json::parse(payload, nullptr, false);
    if (body.is_discarded()) {
      refusal.error = "malformed payload: not JSON; send a value or {\"value\":…,\"id\":…}";
      return refusal;
    }
  }
  if (body.is_object()) {
    refusal.id = body.value("id", json());
    value = body.value("value", json());
  } else {
    value = body;
  }
  if (retained) {
    refusal.error = "retained commands are refused; publish the command without retain";
    return refusal;
  }
  if (body.is_object() && body.contains("ts") && max_age_ > config::Duration::zero()) {
    const std::optional<system_clock::time_point> sent = parse_time(body["ts"]);
    if (!sent) {
      refusal.error = "ts is neither an ISO 8601 UTC time (…Z) nor seconds since the epoch";
      return refusal;
    }
    const auto age = std::chrono::duration_cast<config::Duration>(now - *sent);
    if (age > max_age_) {
      refusal.error = fmt::format("the command is {} old, more than max_age {}",
                                  config::format_duration(age), config::format_duration(max_age_));
      return refusal;
    }
  }
  const auto device = devices_.find(levels[0]);
  if (device == devices_.end()) {
    refusal.error = fmt::format("unknown device \"{}\"", levels[0]);
    return refusal;
  }
  if (is_read) {
    return Command{ReadCommand{device->second}, result_topic, refusal.id};
  }

  const config::Device& target = config_.buses[device->second.bus].devices[device->second.device];
  std::size_t point = 0;
  while (point < target.points.size() && target.points[point].name != levels[1]) {
    ++point;
  }
  if (point == target.points.size()) {
    refusal.error = fmt::format("unknown point \"{}\" of device \"{}\"", levels[1], levels[0]);
    return refusal;
  }
  if (!target.points[point].writable) {
    refusal.error = fmt::format("point \"{}\" is not writable", levels[1]);
    return refusal;
  }
  if (value.is_null()) {
    refusal.error = "no value; send a value or {\"value\":…,\"id\":…}";
    return refusal;
  }
  auto converted = to_point_value(target.points[point], value);
  if (auto* problem = std::get_if<std::string>(&converted)) {
    refusal.error = fmt::format("point \"{}\" {}", levels[1], *problem);
    return refusal;
  }
  return Command{SetCommand{device->second, point, std::get<drivers::Value>(converted)},
                 result_topic, refusal.id};
}

// Results keep the order of the documentation: id, ok, then value or error.
std::string ok_result(const json& id, const drivers::Value& value) {
  nlohmann::ordered_json result = {{"id", id}, {"ok", true}};
  std::visit([&result](const auto& v) { result["value"] = v; }, value);
  return result.dump();
}

std::string error_result(const json& id, std::string_view error) {
  return nlohmann::ordered_json{{"id", id}, {"ok", false}, {"error", error}}.dump();
}

}  // namespace iotgw
