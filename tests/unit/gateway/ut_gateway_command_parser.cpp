// Commands as an MQTT client would send them, and what the parser makes of them:
// a command for a bus, a refusal with its result, or nothing.
#include <gtest/gtest.h>

#include "config/load.hpp"
#include "gateway/command_parser.hpp"

namespace iotgw {
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
    return parser.parse(topic, payload, retained, now);
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

  config::Config config = load();
  CommandParser parser{config};
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
          R"j({"id":null,"ok":false,"error":"ts is neither an ISO 8601 UTC time (…Z) nor seconds since the epoch"})j");
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

TEST_F(CommandParserTest, IgnoresResultsAndOtherShapes) {
  for (const char* topic :
       {"iotgw/gw/cmd/boiler/setpoint/result", "iotgw/gw/cmd/boiler/result", "iotgw/gw/cmd/boiler",
        "iotgw/gw/cmd/boiler/setpoint/get", "iotgw/gw/cmdx/boiler/read", "other/topic"}) {
    EXPECT_TRUE(std::holds_alternative<NotACommand>(parse(topic, "1"))) << topic;
  }
}

TEST(CommandResult, ReportsTheValueWritten) {
  EXPECT_EQ(ok_result("a", drivers::Value(21.5)), R"j({"id":"a","ok":true,"value":21.5})j");
  EXPECT_EQ(ok_result(nullptr, drivers::Value(true)), R"j({"id":null,"ok":true,"value":true})j");
}

}  // namespace
}  // namespace iotgw
