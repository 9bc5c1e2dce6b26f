// Commands from MQTT: the topic names the device and point, the payload the
// value (a bare JSON value, or {"value":…,"id":…,"ts":…}). Parsing decides
// everything that can be decided without the device: unknown names, points not
// writable, values of the wrong type or out of range, malformed or oversized
// payloads, retained, stale or future-dated commands are refused here, so they
// never reach a bus. The checks run cheapest first: the topic and the retain
// flag before the payload, the payload's bounds before it is parsed.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "drivers/reading.hpp"
#include "gateway/error.hpp"
#include "gateway/payload_bounds.hpp"

namespace iotgw::gateway {

struct DeviceAddress {
  std::size_t bus = 0;
  std::size_t device = 0;
};

// …/cmd/{device}/{point}/set
struct SetCommand {
  DeviceAddress device;
  std::size_t point = 0;
  drivers::Value value;
};

// …/cmd/{device}/read
struct ReadCommand {
  DeviceAddress device;
};

struct Command {
  std::variant<SetCommand, ReadCommand> action;
  std::string result_topic;
  nlohmann::json id;  // null when the sender gave none
  // It had a ts, but the gateway's clock was not synchronised: its age could
  // not be judged, and its result says so.
  bool age_unjudged = false;
};

// A command that is refused; the refusal is published on result_topic.
struct Refusal {
  std::string result_topic;
  nlohmann::json id;
  std::string error;
};

// A message under the command topic that is no command (our own results, a
// topic of no known shape); nothing is published back.
struct NotACommand {
  std::string reason;
};

using ParsedCommand = std::variant<Command, Refusal, NotACommand>;

// A command's ts may be this far ahead of the gateway's clock (two clocks
// kept by NTP agree much better); further ahead, it is refused, since a
// future ts would otherwise stretch max_age.
inline constexpr std::chrono::seconds max_clock_skew{10};

class CommandParser {
 public:
  // The config must outlive the parser.
  explicit CommandParser(const config::Config& config);

  // The checks run in this order, each refusing what it finds: the topic,
  // the MQTT 5 Response Topic, retain, the device, the point, whether it is
  // writable, the payload's bounds, then the payload parsed (members, id, ts,
  // the value). With a Response Topic the result goes there instead of to
  // …/result, unless that topic is refused. `now`: the wall clock, while it
  // is synchronised; without it a ts is checked for its form only.
  ParsedCommand parse(std::string_view topic, std::string_view payload, bool retained,
                      std::optional<std::chrono::system_clock::time_point> now,
                      std::optional<std::string_view> response_topic = std::nullopt) const;

 private:
  struct Topic;
  struct Target;
  struct Payload;

  // The steps of parse(); Errc::not_a_command means nothing is answered.
  Result<Topic> read_topic(std::string_view topic) const;
  Result<Command> read_command(const Topic& topic, std::string_view payload, bool retained,
                               std::optional<std::chrono::system_clock::time_point> now,
                               nlohmann::json& id) const;
  Result<Target> find_target(const Topic& topic) const;
  Result<std::size_t> find_point(const config::Device& device, const Topic& topic) const;
  Result<Payload> read_payload(std::string_view payload,
                               std::optional<std::chrono::system_clock::time_point> now,
                               nlohmann::json& id) const;
  Result<> check_response_topic(std::string_view topic) const;
  // Success when a command sent at `ts` may still run at `now`.
  Result<> check_ts(const nlohmann::json& ts, std::chrono::system_clock::time_point now) const;

  PayloadBounds bounds_;
  std::string base_;        // the command topic without its "/#"
  std::string own_topics_;  // {prefix}/{gateway}: telemetry, status and metrics by default
  config::Duration max_age_;
  const config::Config& config_;
  std::map<std::string, DeviceAddress, std::less<>> devices_;
};

// A command's value as the point's type: true or false (or 0 and 1) for a
// bool, a string for a string, else a finite number within the point's min
// and max. Refused with Errc::invalid_value, naming the point.
Result<drivers::Value> to_point_value(const config::Point& point, const nlohmann::json& value);

// {"id":…,"ok":true,"value":…}, and "note" on an age not judged.
std::string ok_result(const Command& command, const drivers::Value& value);
// {"id":…,"ok":true} (a read), and "note" on an age not judged.
std::string ok_result(const Command& command);
// {"id":…,"ok":false,"error":"…"}
std::string error_result(const nlohmann::json& id, std::string_view error);

}  // namespace iotgw::gateway
