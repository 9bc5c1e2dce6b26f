#include "gateway/command_parser.hpp"

#include <cmath>
#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "config/names.hpp"
#include "config/units.hpp"

namespace iotgw::gateway {
namespace {

using Json = nlohmann::json;
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

// An unknown name longer than this gets no result: answering would echo up
// to 64 KiB of the sender's topic, in a result topic that may not even be a
// valid topic any more.
constexpr std::size_t max_unknown_name = 256;

// Command times are read between 2000 and 2200 only: no sender means another
// time, and system_clock counts nanoseconds in 64 bits, which overflow before
// 1678 and after 2262.
constexpr int first_year = 2000;
constexpr int last_year = 2199;
constexpr double first_epoch_seconds = 946684800.0;  // 2000-01-01T00:00:00Z
constexpr double end_epoch_seconds = 7258118400.0;   // 2200-01-01T00:00:00Z

// "2026-11-25T19:00:00.123Z" or seconds since the epoch; nothing for anything
// else, a calendar date that does not exist included.
std::optional<system_clock::time_point> parse_time(const Json& ts) {
  if (ts.is_number()) {
    const double seconds = ts.get<double>();
    // Checked before the conversion, which is undefined for what does not fit.
    if (!std::isfinite(seconds) || seconds < first_epoch_seconds || seconds >= end_epoch_seconds) {
      return std::nullopt;
    }
    return system_clock::time_point(
        std::chrono::duration_cast<system_clock::duration>(std::chrono::duration<double>(seconds)));
  }
  if (!ts.is_string()) {
    return std::nullopt;
  }
  const std::string& text = ts.get_ref<const std::string&>();
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int consumed = 0;
  if (text.size() < 20 || std::sscanf(text.c_str(), "%4d-%2u-%2uT%2d:%2d:%2d%n", &year, &month,
                                      &day, &hour, &minute, &second, &consumed) != 6) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month),
                                         std::chrono::day(day)};
  if (year < first_year || year > last_year || !date.ok() || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59 || second < 0 || second > 59) {
    return std::nullopt;
  }
  int millis = 0;
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
  return std::chrono::sys_days(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second) + std::chrono::milliseconds(millis);
}

// The JSON value as the point's type, or why it is not one.
std::variant<drivers::Value, std::string> to_point_value(const config::Point& point,
                                                         const Json& value) {
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

  // The cheapest checks first: what the topic and the flags decide is refused
  // before a byte of the payload is read, so those refusals carry no id.
  if (retained) {
    refusal.error = "retained commands are refused; publish the command without retain";
    return refusal;
  }
  const auto device = devices_.find(levels[0]);
  if (device == devices_.end()) {
    if (levels[0].size() > max_unknown_name) {
      return NotACommand{"an unknown device name too long to answer"};
    }
    refusal.error = fmt::format("unknown device \"{}\"", levels[0]);
    return refusal;
  }
  const config::Device& target = config_.buses[device->second.bus].devices[device->second.device];
  std::size_t point = 0;
  if (is_set) {
    while (point < target.points.size() && target.points[point].name != levels[1]) {
      ++point;
    }
    if (point == target.points.size()) {
      if (levels[1].size() > max_unknown_name) {
        return NotACommand{"an unknown point name too long to answer"};
      }
      refusal.error = fmt::format("unknown point \"{}\" of device \"{}\"", levels[1], levels[0]);
      return refusal;
    }
    if (!target.points[point].writable) {
      refusal.error = fmt::format("point \"{}\" is not writable", levels[1]);
      return refusal;
    }
  }

  if (std::optional<std::string> exceeded = exceeded_bound(payload, bounds_)) {
    refusal.error = "malformed payload: " + *exceeded;
    return refusal;
  }
  Json body;
  if (!payload.empty()) {
    body = Json::parse(payload, nullptr, false);
    if (body.is_discarded()) {
      refusal.error = "malformed payload: not JSON; send a value or {\"value\":…,\"id\":…}";
      return refusal;
    }
  }
  const Json* value = &body;
  if (body.is_object()) {
    value = nullptr;
    for (const auto& [key, member] : body.items()) {
      if (key == "id" && (member.is_string() || member.is_number())) {
        refusal.id = member;
      } else if (key == "value") {
        value = &member;
      } else if (key != "ts" && key != "id") {
        refusal.error = fmt::format(R"(malformed payload: unknown member "{}"; a command object )"
                                    R"(has "value", "id" and "ts")",
                                    key.size() <= 64 ? key : key.substr(0, 64) + "…");
        return refusal;
      }
    }
    if (body.contains("id") && refusal.id.is_null() && !body["id"].is_null()) {
      refusal.error = "malformed payload: id must be a string or a number";
      return refusal;
    }
    if (body.contains("ts") && max_age_ > config::Duration::zero()) {
      if (std::optional<std::string> stale = ts_refusal(body["ts"], now)) {
        refusal.error = std::move(*stale);
        return refusal;
      }
    }
  }
  if (is_read) {
    return Command{ReadCommand{device->second}, result_topic, refusal.id};
  }
  if (value == nullptr || value->is_null()) {
    refusal.error = "no value; send a value or {\"value\":…,\"id\":…}";
    return refusal;
  }
  auto converted = to_point_value(target.points[point], *value);
  if (auto* problem = std::get_if<std::string>(&converted)) {
    refusal.error = fmt::format("point \"{}\" {}", levels[1], *problem);
    return refusal;
  }
  return Command{SetCommand{device->second, point, std::get<drivers::Value>(converted)},
                 result_topic, refusal.id};
}

std::optional<std::string> CommandParser::ts_refusal(const Json& ts,
                                                     system_clock::time_point now) const {
  const std::optional<system_clock::time_point> sent = parse_time(ts);
  if (!sent) {
    return "ts is neither an ISO 8601 UTC time (…Z) nor seconds since the epoch, from 2000 to 2199";
  }
  if (*sent > now + max_clock_skew) {
    return fmt::format(
        "ts is {} ahead of the gateway's clock, more than the {} skew allowed",
        config::format_duration(std::chrono::duration_cast<config::Duration>(*sent - now)),
        config::format_duration(max_clock_skew));
  }
  const auto age = std::chrono::duration_cast<config::Duration>(now - *sent);
  if (age > max_age_) {
    return fmt::format("the command is {} old, more than max_age {}", config::format_duration(age),
                       config::format_duration(max_age_));
  }
  return std::nullopt;
}

// Results keep the order of the documentation: id, ok, then value or error.
std::string ok_result(const Json& id, const drivers::Value& value) {
  nlohmann::ordered_json result = {{"id", id}, {"ok", true}};
  std::visit([&result](const auto& v) { result["value"] = v; }, value);
  return result.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string error_result(const Json& id, std::string_view error) {
  // The error may quote the sender's words; invalid UTF-8 in them is replaced.
  return nlohmann::ordered_json{{"id", id}, {"ok", false}, {"error", error}}.dump(
      -1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace iotgw::gateway
