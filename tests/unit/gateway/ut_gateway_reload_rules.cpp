#include <gtest/gtest.h>

#include "config/load.hpp"
#include "gateway/reload_rules.hpp"

namespace iotgw::gateway {
namespace {

config::Config load(const std::string& mqtt_extra, const std::string& rest = "") {
  config::LoadResult result = config::load_string(
      "[gateway]\nid = \"gw1\"\nstate_dir = \"/var/lib/iotgw\"\n[mqtt]\nurl = \"mqtt://b\"\n" +
          mqtt_extra + rest +
          "[[bus]]\nname = \"b\"\nprotocol = \"modbus-tcp\"\nhost = \"h\"\n"
          "[[bus.device]]\nname = \"boiler\"\n"
          "[[bus.device.point]]\nname = \"flow_temp\"\naddress = 0\n",
      "/etc/iotgw/iotgw.toml");
  EXPECT_TRUE(result.config) << (result.diagnostics.empty() ? ""
                                                            : result.diagnostics[0].to_string());
  return std::move(*result.config);
}

TEST(ReloadRules, EverythingButTheStorePathMayChange) {
  const config::Config running = load("");
  EXPECT_TRUE(reload_allowed(running, load("topic_prefix = \"site\"\ninflight = 8\n",
                                           "[store]\nmax_rows = 10\ncommit_interval = \"5s\"\n")));
  const Result<> moved = reload_allowed(running, load("", "[store]\npath = \"other.db\"\n"));
  ASSERT_FALSE(moved);
  EXPECT_EQ(moved.error().code, Errc::store_moves);
  EXPECT_EQ(moved.error().detail,
            "the store cannot move on a reload (from /var/lib/iotgw/queue.db to "
            "/var/lib/iotgw/other.db): the readings it holds would stay behind; restart the "
            "service to move it");
}

TEST(ReloadRules, TheOldStatusIsClosedOnlyWhenItMoves) {
  const config::Config running = load("");
  EXPECT_FALSE(status_moves(running, load("inflight = 8\nkeepalive = \"10s\"\n")));
  EXPECT_TRUE(status_moves(running, load("topic_prefix = \"site\"\n")));
  EXPECT_TRUE(status_moves(running, load("[mqtt.will]\ntopic = \"gw1/alive\"\n")));
  config::Config other_broker = load("");
  other_broker.mqtt.brokers[0].host = "c";
  EXPECT_TRUE(status_moves(running, other_broker));
}

}  // namespace
}  // namespace iotgw::gateway
