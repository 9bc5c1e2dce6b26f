#include "gateway/command_parser.hpp"

#include <cmath>
#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "config/names.hpp"
#include "config/topic_template.hpp"
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

Error unreadable_ts() {
  return {Errc::invalid_timestamp,
          "ts is neither an ISO 8601 UTC time (…Z) nor seconds since the epoch, from 2000 to 2199"};
}

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

// A value the point cannot take; the refusal names the point.
Error invalid_value(const config::Point& point, std::string_view problem) {
  return {Errc::invalid_value, fmt::format("point \"{}\" {}", point.name, problem)};
}

// An unknown device or point is answered, unless its name is too long to
// echo (see max_unknown_name).
Error unknown_name(Errc code, std::string_view what, std::string_view name, std::string refusal) {
  if (name.size() > max_unknown_name) {
    return {Errc::not_a_command, fmt::format("an unknown {} name too long to answer", what)};
  }
  return {code, std::move(refusal)};
}

// A payload refused for its form; every such refusal says so first.
Error malformed(std::string_view detail, Errc code = Errc::malformed_payload) {
  return {code, fmt::format("malformed payload: {}", detail)};
}

// Whether `topic` is `base` or a topic under it.
bool under(std::string_view topic, std::string_view base) {
  return topic == base || (topic.starts_with(base) && topic[base.size()] == '/');
}

}  // namespace

Result<drivers::Value> to_point_value(const config::Point& point, const Json& value) {
  using config::ValueType;
  if (point.type == ValueType::boolean) {
    if (value.is_boolean()) {
      return drivers::Value(value.get<bool>());
    }
    if (value.is_number() && (value == 0 || value == 1)) {
      return drivers::Value(value == 1);
    }
    return invalid_value(point, "expects true or false");
  }
  if (point.type == ValueType::string) {
    if (value.is_string()) {
      return drivers::Value(value.get<std::string>());
    }
    return invalid_value(point, "expects a string");
  }
  if (!value.is_number()) {
    return invalid_value(point, fmt::format("expects a number ({})", config::name_of(point.type)));
  }
  const double number = value.get<double>();
  if (!std::isfinite(number)) {
    return invalid_value(point, "expects a finite number");
  }
  if ((point.min && number < *point.min) || (point.max && number > *point.max)) {
    return invalid_value(point, fmt::format("{} is outside the allowed range [{}, {}]", number,
                                            point.min ? fmt::format("{}", *point.min) : "",
                                            point.max ? fmt::format("{}", *point.max) : ""));
  }
  return drivers::Value(number);
}

CommandParser::CommandParser(const config::Config& config)
    : base_(config.commands.topic.substr(0, config.commands.topic.size() - 2)),
      own_topics_(config::expand_topic("{prefix}/{gateway}", {.prefix = config.mqtt.topic_prefix,
                                                              .gateway = config.gateway.id})),
      max_age_(config.commands.max_age),
      config_(config) {
  for (std::size_t b = 0; b < config.buses.size(); ++b) {
    for (std::size_t d = 0; d < config.buses[b].devices.size(); ++d) {
      devices_.emplace(config.buses[b].devices[d].name, DeviceAddress{b, d});
    }
  }
}

// …/cmd/{device}/{point}/set or …/cmd/{device}/read, in its levels.
struct CommandParser::Topic {
  std::string_view device;
  std::string_view point;  // empty for a read
  bool is_set = false;
  std::string result_topic;
};

// The device (and for a set, the point) a command is for.
struct CommandParser::Target {
  DeviceAddress device;
  std::size_t point = 0;
};

// The value a payload sends: itself, or the "value" member of a command
// object; null when it sends none.
struct CommandParser::Payload {
  Json value;
  bool age_unjudged = false;
};

ParsedCommand CommandParser::parse(std::string_view topic, std::string_view payload, bool retained,
                                   std::optional<system_clock::time_point> now,
                                   std::optional<std::string_view> response_topic) const {
  Result<Topic> addressed = read_topic(topic);
  if (!addressed) {
    return NotACommand{addressed.error().detail};
  }
  if (response_topic) {
    if (Result<> fit = check_response_topic(*response_topic); !fit) {
      return Refusal{addressed->result_topic, Json{}, std::move(fit.error().detail)};
    }
    addressed->result_topic = std::string(*response_topic);
  }
  Json id;  // the sender's, once the payload gave it
  Result<Command> command = read_command(*addressed, payload, retained, now, id);
  if (command) {
    return std::move(*command);
  }
  Error error = command.error();
  if (error.code == Errc::not_a_command) {
    return NotACommand{std::move(error.detail)};
  }
  return Refusal{addressed->result_topic, std::move(id), std::move(error.detail)};
}

// The sender chooses where the result goes, so the result must not become a
// command itself (here or at another gateway under the same command topic),
// stand in for the gateway's status, or pose as its telemetry or metrics.
// Wildcards and bad UTF-8 never got past the MQTT decoder.
Result<> CommandParser::check_response_topic(std::string_view topic) const {
  if (under(topic, base_)) {
    return Error{Errc::refused_response_topic,
                 fmt::format("the Response Topic {} is under the command topic {}; "
                             "answer to a topic outside it",
                             topic, config_.commands.topic)};
  }
  if (topic == config_.mqtt.will.topic) {
    return Error{Errc::refused_response_topic,
                 fmt::format("the Response Topic {} is the gateway's status topic; "
                             "answer to another topic",
                             topic)};
  }
  if (under(topic, own_topics_)) {
    return Error{Errc::refused_response_topic,
                 fmt::format("the Response Topic {} is under the gateway's own topics {}/; "
                             "answer to a topic outside them",
                             topic, own_topics_)};
  }
  return {};
}

// The topic step: whether the topic is a command's at all, and which.
Result<CommandParser::Topic> CommandParser::read_topic(std::string_view topic) const {
  if (!topic.starts_with(base_) || topic.size() <= base_.size() || topic[base_.size()] != '/') {
    return Error{Errc::not_a_command, "outside the command topic"};
  }
  const std::vector<std::string_view> levels = split(topic.substr(base_.size() + 1), '/');
  if (levels.back() == "result") {
    return Error{Errc::not_a_command, "a result"};
  }
  if (levels.size() == 3 && levels[2] == "set") {
    return Topic{levels[0], levels[1], true,
                 fmt::format("{}/{}/{}/result", base_, levels[0], levels[1])};
  }
  if (levels.size() == 2 && levels[1] == "read") {
    return Topic{levels[0], {}, false, fmt::format("{}/{}/result", base_, levels[0])};
  }
  return Error{Errc::not_a_command, "not …/DEVICE/POINT/set or …/DEVICE/read"};
}

// The cheapest checks first: what the topic and the flags decide is refused
// before a byte of the payload is read, so those refusals carry no id.
Result<Command> CommandParser::read_command(const Topic& topic, std::string_view payload,
                                            bool retained,
                                            std::optional<system_clock::time_point> now,
                                            Json& id) const {
  if (retained) {
    return Error{Errc::retained,
                 "retained commands are refused; publish the command without retain"};
  }
  const Result<Target> target = find_target(topic);
  if (!target) {
    return target.error();
  }
  const Result<Payload> sent = read_payload(payload, now, id);
  if (!sent) {
    return sent.error();
  }
  if (!topic.is_set) {
    return Command{ReadCommand{target->device}, topic.result_topic, id, sent->age_unjudged};
  }
  if (sent->value.is_null()) {
    return Error{Errc::no_value, "no value; send a value or {\"value\":…,\"id\":…}"};
  }
  const config::Point& point =
      config_.buses[target->device.bus].devices[target->device.device].points[target->point];
  Result<drivers::Value> value = to_point_value(point, sent->value);
  if (!value) {
    return value.error();
  }
  return Command{SetCommand{target->device, target->point, std::move(*value)}, topic.result_topic,
                 id, sent->age_unjudged};
}

// The point step: the device, and for a set the point, which must be writable.
Result<CommandParser::Target> CommandParser::find_target(const Topic& topic) const {
  const auto device = devices_.find(topic.device);
  if (device == devices_.end()) {
    return unknown_name(Errc::unknown_device, "device", topic.device,
                        fmt::format("unknown device \"{}\"", topic.device));
  }
  if (!topic.is_set) {
    return Target{device->second};
  }
  const DeviceAddress address = device->second;
  const Result<std::size_t> point =
      find_point(config_.buses[address.bus].devices[address.device], topic);
  if (!point) {
    return point.error();
  }
  return Target{address, *point};
}

Result<std::size_t> CommandParser::find_point(const config::Device& device,
                                              const Topic& topic) const {
  std::size_t point = 0;
  while (point < device.points.size() && device.points[point].name != topic.point) {
    ++point;
  }
  if (point == device.points.size()) {
    return unknown_name(
        Errc::unknown_point, "point", topic.point,
        fmt::format("unknown point \"{}\" of device \"{}\"", topic.point, topic.device));
  }
  if (!device.points[point].writable) {
    return Error{Errc::not_writable, fmt::format("point \"{}\" is not writable", topic.point)};
  }
  return point;
}

// The payload step: its bounds, then JSON; a command object's members and
// ts. `id` takes the sender's id as soon as it is read, so that a refusal
// after that answers with it.
Result<CommandParser::Payload> CommandParser::read_payload(
    std::string_view payload, std::optional<system_clock::time_point> now, Json& id) const {
  if (Result<> bounded = within_bounds(payload, bounds_); !bounded) {
    return malformed(bounded.error().detail, Errc::payload_beyond_bounds);
  }
  Json body;
  if (!payload.empty()) {
    body = Json::parse(payload, nullptr, false);
    if (body.is_discarded()) {
      return malformed("not JSON; send a value or {\"value\":…,\"id\":…}");
    }
  }
  if (!body.is_object()) {
    return Payload{std::move(body)};
  }
  Payload sent;
  for (const auto& [key, member] : body.items()) {
    if (key == "id" && (member.is_string() || member.is_number())) {
      id = member;
    } else if (key == "value") {
      sent.value = member;
    } else if (key != "ts" && key != "id") {
      return malformed(fmt::format(R"(unknown member "{}"; a command object )"
                                   R"(has "value", "id" and "ts")",
                                   key.size() <= 64 ? key : key.substr(0, 64) + "…"));
    }
  }
  if (body.contains("id") && id.is_null() && !body["id"].is_null()) {
    return malformed("id must be a string or a number");
  }
  if (body.contains("ts") && max_age_ > config::Duration::zero()) {
    if (!now) {
      // A wall clock not yet right would refuse fresh commands, or run stale ones.
      if (!parse_time(body["ts"])) {
        return unreadable_ts();
      }
      sent.age_unjudged = true;
    } else if (Result<> fresh = check_ts(body["ts"], *now); !fresh) {
      return fresh.error();
    }
  }
  return sent;
}

Result<> CommandParser::check_ts(const Json& ts, system_clock::time_point now) const {
  const std::optional<system_clock::time_point> sent = parse_time(ts);
  if (!sent) {
    return unreadable_ts();
  }
  if (*sent > now + max_clock_skew) {
    return Error{Errc::from_the_future,
                 fmt::format("ts is {} ahead of the gateway's clock, more than the {} skew allowed",
                             config::format_duration(
                                 std::chrono::duration_cast<config::Duration>(*sent - now)),
                             config::format_duration(max_clock_skew))};
  }
  const auto age = std::chrono::duration_cast<config::Duration>(now - *sent);
  if (age > max_age_) {
    return Error{Errc::too_old,
                 fmt::format("the command is {} old, more than max_age {}",
                             config::format_duration(age), config::format_duration(max_age_))};
  }
  return {};
}

// Results keep the order of the documentation: id, ok, then value or error.
namespace {

std::string ok_result(const Command& command, const drivers::Value* value) {
  nlohmann::ordered_json result = {{"id", command.id}, {"ok", true}};
  if (value != nullptr) {
    std::visit([&result](const auto& v) { result["value"] = v; }, *value);
  }
  if (command.age_unjudged) {
    result["note"] = "ts not checked against max_age: the gateway's clock is not synchronised";
  }
  return result.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

std::string ok_result(const Command& command, const drivers::Value& value) {
  return ok_result(command, &value);
}

std::string ok_result(const Command& command) {
  return ok_result(command, nullptr);
}

std::string error_result(const Json& id, std::string_view error) {
  // The error may quote the sender's words; invalid UTF-8 in them is replaced.
  return nlohmann::ordered_json{{"id", id}, {"ok", false}, {"error", error}}.dump(
      -1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace iotgw::gateway
