// Commands as an MQTT client would send them, and what the parser makes of them:
// a command for a bus, a refusal with its result, or nothing.
#include <gtest/gtest.h>

#include "config/load.hpp"
#include "gateway/command_parser.hpp"

namespace iotgw::gateway {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;

const system_clock::time_point now = system_clock::time_point(1795633200s);  // 2026-11-25T19:00:00Z

config::Config load() {
  config::LoadResult result = config::load_string(
      "[gateway]\nid = \"gw\"\n[mqtt]\nurl = \"mqtt://b\"\n"
      "[[bus]]\nname = \"a\"\nprotocol = \"modbus-tcp\"\nhost = \"h\"\n"
      "[[bus.device]]\nname = \"meter\"\n"
      "[[bus.device.point]]\nname = \"v\"\naddress = 0\n"
      "[[bus]]\nname = \"b\"\nprotocol = \"modbus-tcp\"\nhost = \"h2\"\n"
      "[[bus.device]]\nname = \"boiler\"\n"
      "[[bus.device.point]]\nname = \"flow\"\naddress = 0\n"
      "[[bus.device.point]]\nname = \"setpoint\"\naddress = 10\ntype = \"int16\"\nscale = 0.1\n"
      "writable = true\nmin = 5\nmax = 80\n"
      "[[bus.device.point]]\nname = \"pump\"\nregister = \"coil\"\naddress = 0\nwritable = true\n",
      "/t.toml");
  EXPECT_TRUE(result.config);
  return std::move(*result.config);
}

class CommandParserTest : public testing::Test {
 protected:
  ParsedCommand parse(std::string topic, std::string payload, bool retained = false) {
    return parser_.parse(topic, payload, retained, now);
  }

  // The refusal's result message, or a failure when it is not a refusal.
  std::string refused(std::string topic, std::string payload, bool retained = false) {
    const ParsedCommand parsed = parse(std::move(topic), std::move(payload), retained);
    const auto* refusal = std::get_if<Refusal>(&parsed);
    if (refusal == nullptr) {
      ADD_FAILURE() << "not refused";
      return "";
    }
    return refusal->result_topic + " " + error_result(refusal->id, refusal->error);
  }

  config::Config config_ = load();
  CommandParser parser_{config_};
};

TEST_F(CommandParserTest, ParsesASetWithABareValue) {
  const ParsedCommand parsed = parse("iotgw/gw/cmd/boiler/setpoint/set", "21.5");
  const auto* command = std::get_if<Command>(&parsed);
  ASSERT_NE(command, nullptr);
  const auto& set = std::get<SetCommand>(command->action);
  EXPECT_EQ(set.device.bus, 1U);
  EXPECT_EQ(set.device.device, 0U);
  EXPECT_EQ(set.point, 1U);
  EXPECT_EQ(set.value, drivers::Value(21.5));
  EXPECT_EQ(command->result_topic, "iotgw/gw/cmd/boiler/setpoint/result");
  EXPECT_TRUE(command->id.is_null());
}

TEST_F(CommandParserTest, ParsesASetWithIdAndFreshTimestamp) {
  const ParsedCommand parsed =
      parse("iotgw/gw/cmd/boiler/pump/set",
            R"j({"value":true,"id":"r-17","ts":"2026-11-25T18:59:45.5Z"})j");
  const auto* command = std::get_if<Command>(&parsed);
  ASSERT_NE(command, nullptr);
  EXPECT_EQ(std::get<SetCommand>(command->action).value, drivers::Value(true));
  EXPECT_EQ(command->id, "r-17");
}

TEST_F(CommandParserTest, ParsesAReadNow) {
  const ParsedCommand parsed = parse("iotgw/gw/cmd/meter/read", "");
  const auto* command = std::get_if<Command>(&parsed);
  ASSERT_NE(command, nullptr);
  EXPECT_EQ(std::get<ReadCommand>(command->action).device.bus, 0U);
  EXPECT_EQ(command->result_topic, "iotgw/gw/cmd/meter/result");
}

TEST_F(CommandParserTest, RefusesWithAResultAndTheSendersId) {
  const std::string set = "iotgw/gw/cmd/boiler/setpoint/set";
  const std::string result = "iotgw/gw/cmd/boiler/setpoint/result ";
  EXPECT_EQ(
      refused(set, R"j({"value":85,"id":7})j"),
      result +
          R"j({"id":7,"ok":false,"error":"point \"setpoint\" 85 is outside the allowed range [5, 80]"})j");
  EXPECT_EQ(
      refused(set, R"j({"value":"warm","id":"x"})j"),
      result + R"j({"id":"x","ok":false,"error":"point \"setpoint\" expects a number (int16)"})j");
  EXPECT_EQ(
      refused(set, "warm"),
      result +
          R"j({"id":null,"ok":false,"error":"malformed payload: not JSON; send a value or {\"value\":…,\"id\":…}"})j");
  EXPECT_EQ(
      refused(set, R"j({"id":"y"})j"),
      result +
          R"j({"id":"y","ok":false,"error":"no value; send a value or {\"value\":…,\"id\":…}"})j");
  EXPECT_EQ(
      refused(set, "20", true),
      result +
          R"j({"id":null,"ok":false,"error":"retained commands are refused; publish the command without retain"})j");
  EXPECT_EQ(
      refused(set, R"j({"value":20,"ts":"2026-11-25T18:59:00Z"})j"),
      result +
          R"j({"id":null,"ok":false,"error":"the command is 1m old, more than max_age 30s"})j");
  EXPECT_EQ(
      refused(set, R"j({"value":20,"ts":"yesterday"})j"),
      result +
          R"j({"id":null,"ok":false,"error":"ts is neither an ISO 8601 UTC time (…Z) nor seconds since the epoch, from 2000 to 2199"})j");
  EXPECT_EQ(
      refused("iotgw/gw/cmd/boiler/flow/set", "1"),
      "iotgw/gw/cmd/boiler/flow/result " +
          std::string(R"j({"id":null,"ok":false,"error":"point \"flow\" is not writable"})j"));
  EXPECT_EQ(
      refused("iotgw/gw/cmd/boiler/nope/set", "1"),
      "iotgw/gw/cmd/boiler/nope/result " +
          std::string(
              R"j({"id":null,"ok":false,"error":"unknown point \"nope\" of device \"boiler\""})j"));
  EXPECT_EQ(refused("iotgw/gw/cmd/tank/read", ""),
            "iotgw/gw/cmd/tank/result " +
                std::string(R"j({"id":null,"ok":false,"error":"unknown device \"tank\""})j"));
  EXPECT_EQ(refused("iotgw/gw/cmd/boiler/pump/set", "2"),
            "iotgw/gw/cmd/boiler/pump/result " +
                std::string(
                    R"j({"id":null,"ok":false,"error":"point \"pump\" expects true or false"})j"));
}

// The error of a refusal, or a failure when it is not a refusal.
std::string error_of(const ParsedCommand& parsed) {
  const auto* refusal = std::get_if<Refusal>(&parsed);
  if (refusal == nullptr) {
    ADD_FAILURE() << "not refused";
    return "";
  }
  return refusal->error;
}

TEST_F(CommandParserTest, RefusesDeepNestingBeforeTheJsonLibrarySeesIt) {
  const std::string set = "iotgw/gw/cmd/boiler/setpoint/set";
  // 100,000 "[" and "]": 200 KB, refused by its size.
  EXPECT_EQ(error_of(parse(set, std::string(100'000, '[') + std::string(100'000, ']'))),
            "malformed payload: the payload has 200000 bytes, more than the 4096 a command may "
            "have");
  // Within the size, refused by its depth; objects as arrays, and inside a value.
  EXPECT_EQ(error_of(parse(set, std::string(2000, '[') + std::string(2000, ']'))),
            "malformed payload: the payload nests arrays or objects deeper than 8 levels");
  std::string objects;
  for (int i = 0; i < 9; ++i) {
    objects += R"({"a":)";
  }
  objects += "1" + std::string(9, '}');
  EXPECT_EQ(error_of(parse(set, objects)),
            "malformed payload: the payload nests arrays or objects deeper than 8 levels");
  // Brackets inside strings are text, not nesting.
  EXPECT_TRUE(std::holds_alternative<Command>(
      parse(set, R"({"value":20,"id":"[[[[[[[[[[[[[[[[[[[[[[[[\""})")));
}

TEST_F(CommandParserTest, RefusesTooManyMembers) {
  std::string many = "[";
  for (int i = 0; i < 100; ++i) {
    many += "1,";
  }
  many += "1]";
  EXPECT_EQ(error_of(parse("iotgw/gw/cmd/boiler/setpoint/set", many)),
            "malformed payload: the payload has more than 64 members");
}

TEST_F(CommandParserTest, DecidesByTopicAndRetainBeforeReadingThePayload) {
  const std::string hostile = std::string(2000, '[') + std::string(2000, ']');
  EXPECT_EQ(error_of(parse("iotgw/gw/cmd/boiler/setpoint/set", hostile, true)),
            "retained commands are refused; publish the command without retain");
  EXPECT_EQ(error_of(parse("iotgw/gw/cmd/tank/x/set", hostile)), "unknown device \"tank\"");
  EXPECT_EQ(error_of(parse("iotgw/gw/cmd/boiler/flow/set", hostile)),
            "point \"flow\" is not writable");
  EXPECT_EQ(error_of(parse("iotgw/gw/cmd/boiler/nope/set", hostile)),
            "unknown point \"nope\" of device \"boiler\"");
}

TEST_F(CommandParserTest, RefusesTimestampsOutsideASaneRange) {
  const std::string set = "iotgw/gw/cmd/boiler/setpoint/set";
  const std::string nonsense =
      "ts is neither an ISO 8601 UTC time (…Z) nor seconds since the epoch, from 2000 to 2199";
  for (const char* ts :
       {"1e300", "-1e300", "-1e10", "1e10000", "946684799", "\"2026-13-01T00:00:00Z\"",
        "\"2026-02-30T00:00:00Z\"", "\"2026-11-25T24:00:00Z\"", "\"1999-12-31T23:59:59Z\"",
        "\"0001-01-01T00:00:00Z\"", "\"9999-12-31T23:59:59Z\"", "7258118400", "1.79563e+19", "true",
        "[1]"}) {
    const ParsedCommand parsed = parse(set, std::string(R"({"value":20,"ts":)") + ts + "}");
    if (std::string_view(ts) == "1e10000") {
      // Not a number JSON can hold: the parser refuses it first.
      EXPECT_EQ(error_of(parsed).substr(0, 18), "malformed payload:") << ts;
      continue;
    }
    EXPECT_EQ(error_of(parsed), nonsense) << ts;
  }
  // A year ahead, and just past the allowed skew: refused.
  EXPECT_EQ(error_of(parse(set, R"({"value":20,"ts":"2027-11-25T19:00:00Z"})")),
            "ts is 365d ahead of the gateway's clock, more than the 10s skew allowed");
  EXPECT_EQ(error_of(parse(set, R"({"value":20,"ts":1795633211})")),
            "ts is 11s ahead of the gateway's clock, more than the 10s skew allowed");
  // Within the skew, and within max_age: accepted.
  EXPECT_TRUE(std::holds_alternative<Command>(parse(set, R"({"value":20,"ts":1795633209.5})")));
  EXPECT_TRUE(
      std::holds_alternative<Command>(parse(set, R"({"value":20,"ts":"2026-11-25T18:59:31Z"})")));
}

TEST_F(CommandParserTest, RefusesMembersAndIdsItDoesNotKnow) {
  const std::string set = "iotgw/gw/cmd/boiler/setpoint/set";
  EXPECT_EQ(
      error_of(parse(set, R"({"value":20,"vaule":21})")),
      R"(malformed payload: unknown member "vaule"; a command object has "value", "id" and "ts")");
  EXPECT_EQ(error_of(parse(set, R"({"value":20,"id":[1,2]})")),
            "malformed payload: id must be a string or a number");
  EXPECT_EQ(error_of(parse(set, R"({"value":20,"id":{"a":1}})")),
            "malformed payload: id must be a string or a number");
}

TEST_F(CommandParserTest, RefusesNonFiniteAndHugeValues) {
  const std::string set = "iotgw/gw/cmd/boiler/setpoint/set";
  for (const char* payload : {"NaN", "Infinity", "-Infinity", R"({"value":NaN})", "1e400"}) {
    EXPECT_EQ(error_of(parse(set, payload)).substr(0, 18), "malformed payload:") << payload;
  }
  EXPECT_EQ(error_of(parse(set, "1e300")),
            "point \"setpoint\" 1e+300 is outside the allowed range [5, 80]");
}

TEST_F(CommandParserTest, RefusesInvalidUtf8) {
  EXPECT_EQ(error_of(parse("iotgw/gw/cmd/boiler/setpoint/set", "{\"value\":20,\"id\":\"\xFF\"}")),
            "malformed payload: not JSON; send a value or {\"value\":…,\"id\":…}");
}

TEST_F(CommandParserTest, IgnoresResultsAndOtherShapes) {
  for (const char* topic :
       {"iotgw/gw/cmd/boiler/setpoint/result", "iotgw/gw/cmd/boiler/result", "iotgw/gw/cmd/boiler",
        "iotgw/gw/cmd/boiler/setpoint/get", "iotgw/gw/cmdx/boiler/read", "other/topic"}) {
    EXPECT_TRUE(std::holds_alternative<NotACommand>(parse(topic, "1"))) << topic;
  }
  // Unknown names too long to be any name get no result that would echo them.
  const std::string long_name(300, 'x');
  for (const std::string& topic :
       {"iotgw/gw/cmd/" + long_name + "/read", "iotgw/gw/cmd/boiler/" + long_name + "/set"}) {
    EXPECT_TRUE(std::holds_alternative<NotACommand>(parse(topic, "1"))) << topic;
  }
}

// MQTT 5 request/response: the result goes to the Response Topic.
TEST_F(CommandParserTest, AResponseTopicTakesTheResult) {
  const ParsedCommand set =
      parser_.parse("iotgw/gw/cmd/boiler/setpoint/set", "21.5", false, now, "app/replies/42");
  ASSERT_TRUE(std::holds_alternative<Command>(set));
  EXPECT_EQ(std::get<Command>(set).result_topic, "app/replies/42");
  // Refusals too: the sender asked for them there.
  const ParsedCommand refused =
      parser_.parse("iotgw/gw/cmd/boiler/setpoint/set", "99", false, now, "app/replies/43");
  ASSERT_TRUE(std::holds_alternative<Refusal>(refused));
  EXPECT_EQ(std::get<Refusal>(refused).result_topic, "app/replies/43");
  // Not a command: no result anywhere.
  EXPECT_TRUE(std::holds_alternative<NotACommand>(
      parser_.parse("iotgw/gw/cmd/boiler/result", "1", false, now, "app/replies/44")));
}

// A result sent under a command topic would itself be a command (here, or at
// another gateway under the same prefix); on the status topic it would stand
// in for the gateway's status, under {prefix}/{gateway}/ for its telemetry or
// metrics. Such a Response Topic is refused on …/result.
TEST_F(CommandParserTest, AResponseTopicAmongTheGatewaysOwnTopicsIsRefused) {
  for (const std::string reply :
       {"iotgw/gw/cmd/boiler/setpoint/set", "iotgw/gw/cmd", "iotgw/gw/cmd/x"}) {
    const ParsedCommand parsed =
        parser_.parse("iotgw/gw/cmd/boiler/setpoint/set", "21.5", false, now, reply);
    const auto* refusal = std::get_if<Refusal>(&parsed);
    ASSERT_NE(refusal, nullptr) << reply;
    EXPECT_EQ(refusal->result_topic, "iotgw/gw/cmd/boiler/setpoint/result");
    EXPECT_EQ(refusal->error, "the Response Topic " + reply +
                                  " is under the command topic iotgw/gw/cmd/#; answer to a "
                                  "topic outside it");
  }
  const ParsedCommand status =
      parser_.parse("iotgw/gw/cmd/boiler/read", "", false, now, config_.mqtt.will.topic);
  ASSERT_TRUE(std::holds_alternative<Refusal>(status));
  EXPECT_EQ(std::get<Refusal>(status).error,
            "the Response Topic " + config_.mqtt.will.topic +
                " is the gateway's status topic; answer to another topic");
  // The gateway's own telemetry and metrics cannot be posed as either.
  for (const std::string reply : {"iotgw/gw/boiler/flow", "iotgw/gw/metrics", "iotgw/gw"}) {
    const ParsedCommand parsed = parser_.parse("iotgw/gw/cmd/boiler/read", "", false, now, reply);
    const auto* refusal = std::get_if<Refusal>(&parsed);
    ASSERT_NE(refusal, nullptr) << reply;
    EXPECT_EQ(refusal->error, "the Response Topic " + reply +
                                  " is under the gateway's own topics iotgw/gw/; answer to a "
                                  "topic outside them");
  }
  // A topic that only starts like them is outside.
  const ParsedCommand beside =
      parser_.parse("iotgw/gw/cmd/boiler/read", "", false, now, "iotgw/gwx/replies");
  ASSERT_TRUE(std::holds_alternative<Command>(beside));
}

TEST(CommandResult, ReportsTheValueWritten) {
  Command command{ReadCommand{}, "r", "a"};
  EXPECT_EQ(ok_result(command, drivers::Value(21.5)), R"j({"id":"a","ok":true,"value":21.5})j");
  command.id = nullptr;
  EXPECT_EQ(ok_result(command, drivers::Value(true)), R"j({"id":null,"ok":true,"value":true})j");
  EXPECT_EQ(ok_result(command), R"j({"id":null,"ok":true})j");
}

// Before the wall clock is synchronised it cannot tell a command's age: a ts
// is checked for its form, the command runs, and its result says so.
TEST_F(CommandParserTest, WithoutASynchronisedClockTheAgeIsNotJudgedAndTheResultSaysSo) {
  const std::string set = "iotgw/gw/cmd/boiler/setpoint/set";
  const ParsedCommand stale =
      parser_.parse(set, R"j({"value":20,"ts":"2019-01-01T00:00:00Z"})j", false, std::nullopt);
  const auto* command = std::get_if<Command>(&stale);
  ASSERT_NE(command, nullptr);
  EXPECT_TRUE(command->age_unjudged);
  EXPECT_EQ(
      ok_result(*command, std::get<SetCommand>(command->action).value),
      R"j({"id":null,"ok":true,"value":20.0,"note":"ts not checked against max_age: the gateway's clock is not synchronised"})j");
  const ParsedCommand garbled =
      parser_.parse(set, R"j({"value":20,"ts":"yesterday"})j", false, std::nullopt);
  ASSERT_TRUE(std::holds_alternative<Refusal>(garbled));
  const ParsedCommand without_ts = parser_.parse(set, "20", false, std::nullopt);
  ASSERT_TRUE(std::holds_alternative<Command>(without_ts));
  EXPECT_FALSE(std::get<Command>(without_ts).age_unjudged);
}

}  // namespace
}  // namespace iotgw::gateway
