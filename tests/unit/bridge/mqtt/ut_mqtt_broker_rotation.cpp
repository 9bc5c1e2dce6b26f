// The order in which the brokers of mqtt.url are tried: the next one after a
// failure, wrapping around, a back-off only after a whole round of failures,
// the first one again at a failback, and failovers counted.
#include <gtest/gtest.h>

#include "bridge/mqtt/broker_rotation.hpp"

namespace iotgw::bridge::mqtt {
namespace {

TEST(BrokerRotation, OneBrokerBacksOffAfterEveryFailure) {
  BrokerRotation rotation(1);
  EXPECT_TRUE(rotation.failed());
  EXPECT_EQ(rotation.current(), 0U);
  EXPECT_TRUE(rotation.failed());
  rotation.connected();
  EXPECT_TRUE(rotation.failed());
  EXPECT_EQ(rotation.failovers(), 0U);
}

TEST(BrokerRotation, TriesEachBrokerInTurnAndBacksOffAfterAWholeRound) {
  BrokerRotation rotation(3);
  EXPECT_EQ(rotation.current(), 0U);
  EXPECT_FALSE(rotation.failed());
  EXPECT_EQ(rotation.current(), 1U);
  EXPECT_FALSE(rotation.failed());
  EXPECT_EQ(rotation.current(), 2U);
  EXPECT_TRUE(rotation.failed());  // 0, 1 and 2 failed: back off, then 0 again
  EXPECT_EQ(rotation.current(), 0U);
  EXPECT_FALSE(rotation.failed());
  EXPECT_EQ(rotation.current(), 1U);
}

TEST(BrokerRotation, ALostConnectionMovesOnAndARoundCountsFromTheLastSuccess) {
  BrokerRotation rotation(3);
  EXPECT_FALSE(rotation.failed());      // 0 did not answer
  rotation.connected();                 // 1 did
  EXPECT_EQ(rotation.failovers(), 0U);  // the first connection is no failover
  EXPECT_FALSE(rotation.failed());      // lost 1: 2 next, at once
  EXPECT_EQ(rotation.current(), 2U);
  EXPECT_FALSE(rotation.failed());  // 2 failed: 0 next
  EXPECT_EQ(rotation.current(), 0U);
  EXPECT_TRUE(rotation.failed());  // 0 failed too: a whole round since 1 was lost
  EXPECT_EQ(rotation.current(), 1U);
  rotation.connected();
  EXPECT_EQ(rotation.failovers(), 0U);  // back on 1, where it was before
  EXPECT_FALSE(rotation.failed());
  rotation.connected();
  EXPECT_EQ(rotation.failovers(), 1U);  // now on 2
}

TEST(BrokerRotation, FailbackGoesToTheFirstAndCountsAsAMove) {
  BrokerRotation rotation(2);
  EXPECT_FALSE(rotation.failed());
  rotation.connected();
  EXPECT_EQ(rotation.current(), 1U);
  rotation.return_to_first();
  EXPECT_EQ(rotation.current(), 0U);
  EXPECT_TRUE(rotation.connected());
  EXPECT_EQ(rotation.failovers(), 1U);
  EXPECT_FALSE(rotation.connected());  // again on the same broker
  // A failback that does not connect goes on as any failure does.
  EXPECT_FALSE(rotation.failed());
  EXPECT_EQ(rotation.current(), 1U);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
