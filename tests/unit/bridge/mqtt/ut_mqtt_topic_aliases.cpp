// The outbound topic alias policy alone (5.0 3.3.2.3.4): no alias until a
// connection says how many the broker takes, the topic sent once with its
// alias and then the alias alone, a more used topic taking over the alias of
// the least used one, mappings forgotten at a new connection while counts
// stay, and a bounded table of counted topics.
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "bridge/mqtt/topic_aliases.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using Use = TopicAliases::Use;

constexpr std::optional<Use> none = std::nullopt;

TEST(MqttTopicAliases, GivesNoAliasBeforeAConnectionSaysHowManyTheBrokerTakes) {
  TopicAliases aliases(64);
  EXPECT_EQ(aliases.use("a"), none);
  EXPECT_EQ(aliases.use("a"), none);
  EXPECT_EQ(aliases.in_use(), 0u);
}

TEST(MqttTopicAliases, GivesNoAliasWhenEitherSideAllowsNone) {
  TopicAliases ours_zero(0);
  ours_zero.reset(10);
  EXPECT_EQ(ours_zero.use("a"), none);

  TopicAliases brokers_zero(64);
  brokers_zero.reset(0);  // 5.0 3.2.2.3.8: Topic Alias Maximum absent
  EXPECT_EQ(brokers_zero.use("a"), none);
  EXPECT_EQ(brokers_zero.in_use(), 0u);
}

TEST(MqttTopicAliases, SendsTheTopicWithItsAliasOnceThenTheAliasAlone) {
  TopicAliases aliases(64);
  aliases.reset(2);
  EXPECT_EQ(aliases.use("a"), (Use{1, true}));
  EXPECT_EQ(aliases.use("a"), (Use{1, false}));
  EXPECT_EQ(aliases.use("b"), (Use{2, true}));
  EXPECT_EQ(aliases.use("b"), (Use{2, false}));
  EXPECT_EQ(aliases.use("a"), (Use{1, false}));
  EXPECT_EQ(aliases.in_use(), 2u);
}

TEST(MqttTopicAliases, UsesTheSmallerOfOurLimitAndTheBrokersMaximum) {
  TopicAliases ours_smaller(1);
  ours_smaller.reset(10);
  EXPECT_EQ(ours_smaller.use("a"), (Use{1, true}));
  EXPECT_EQ(ours_smaller.use("b"), none);

  TopicAliases brokers_smaller(10);
  brokers_smaller.reset(1);
  EXPECT_EQ(brokers_smaller.use("a"), (Use{1, true}));
  EXPECT_EQ(brokers_smaller.use("b"), none);
  EXPECT_EQ(brokers_smaller.in_use(), 1u);
}

TEST(MqttTopicAliases, ATopicUsedMoreOftenTakesOverTheAliasOfTheLeastUsed) {
  TopicAliases aliases(64);
  aliases.reset(2);
  for (int use = 0; use < 4; ++use) {
    aliases.use("a");  // a: 4, alias 1
  }
  EXPECT_EQ(aliases.use("b"), (Use{2, true}));   // b: 1, alias 2
  EXPECT_EQ(aliases.use("c"), none);             // c: 1, no more than b
  EXPECT_EQ(aliases.use("c"), (Use{2, true}));   // c: 2, more than b: b's alias, topic again
  EXPECT_EQ(aliases.use("c"), (Use{2, false}));  // c: 3
  EXPECT_EQ(aliases.use("b"), none);             // b: 2, no more than c (3) or a (4)
  EXPECT_EQ(aliases.use("b"), none);             // b: 3, a tie keeps the alias where it is
  EXPECT_EQ(aliases.use("b"), (Use{2, true}));   // b: 4, more than c (3)
  EXPECT_EQ(aliases.use("a"), (Use{1, false}));  // a kept its alias throughout
  EXPECT_EQ(aliases.in_use(), 2u);
}

TEST(MqttTopicAliases, ANewConnectionForgetsTheMappingsButKeepsTheCounts) {
  TopicAliases aliases(64);
  aliases.reset(1);
  EXPECT_EQ(aliases.use("a"), (Use{1, true}));  // a: 1
  EXPECT_EQ(aliases.use("b"), none);            // b: 1
  EXPECT_EQ(aliases.use("b"), (Use{1, true}));  // b: 2, takes alias 1 from a
  aliases.reset(1);
  EXPECT_EQ(aliases.in_use(), 0u);
  EXPECT_EQ(aliases.use("a"), (Use{1, true}));  // a: 2, the first to come on this connection
  EXPECT_EQ(aliases.use("b"), (Use{1, true}));  // b: 3, more than a: the count outlived reset
  EXPECT_EQ(aliases.use("b"), (Use{1, false}));
}

TEST(MqttTopicAliases, AResetToASmallerMaximumLimitsTheAliases) {
  TopicAliases aliases(64);
  aliases.reset(3);
  aliases.use("a");
  aliases.use("b");
  EXPECT_EQ(aliases.use("c"), (Use{3, true}));
  aliases.reset(1);
  EXPECT_EQ(aliases.use("c"), (Use{1, true}));
  EXPECT_EQ(aliases.use("b"), none);
  EXPECT_EQ(aliases.in_use(), 1u);
}

// With one usable alias, counts are kept for 8 topics at most
// (topic_aliases.cpp).
constexpr int counted_for_one_alias = 8;

std::string topic_number(int n) {
  return "t/" + std::to_string(n);
}

// Publishes 1000 topics once each.
void use_a_thousand_new_topics(TopicAliases& aliases) {
  for (int n = 0; n < 1000; ++n) {
    EXPECT_EQ(aliases.use(topic_number(n)), std::nullopt) << n;
  }
}

TEST(MqttTopicAliases, ForgetsTopicsSeenOnceWhenTheCountedTableIsFull) {
  TopicAliases aliases(64);
  aliases.reset(1);
  EXPECT_EQ(aliases.use("hot"), (Use{1, true}));  // hot: 1
  EXPECT_EQ(aliases.use("once"), none);           // once: 1, no more than hot
  use_a_thousand_new_topics(aliases);
  // Had "once" been counted all along, 2 would now be more than hot's 1.
  EXPECT_EQ(aliases.use("once"), none);
  EXPECT_EQ(aliases.use("hot"), (Use{1, false}));
}

TEST(MqttTopicAliases, KeepsCountingTopicsSeenMoreThanOnceWhenTheTableIsFull) {
  TopicAliases aliases(64);
  aliases.reset(1);
  for (int use = 0; use < 5; ++use) {
    aliases.use("hot");  // hot: 5, alias 1
  }
  EXPECT_EQ(aliases.use("warm"), none);
  EXPECT_EQ(aliases.use("warm"), none);  // warm: 2
  use_a_thousand_new_topics(aliases);
  for (int use = 0; use < 3; ++use) {
    EXPECT_EQ(aliases.use("warm"), none) << use;  // warm: 3, 4, 5
  }
  EXPECT_EQ(aliases.use("warm"), (Use{1, true}));  // warm: 6, above hot's 5
}

TEST(MqttTopicAliases, TurnsANewTopicAwayWhenEveryCountedTopicWasSeenTwice) {
  TopicAliases aliases(64);
  aliases.reset(1);
  for (int n = 0; n < counted_for_one_alias; ++n) {
    aliases.use(topic_number(n));
    aliases.use(topic_number(n));
  }
  // The table holds 8 topics seen twice, none of which may be forgotten: a
  // new topic is neither counted nor aliased, however often it comes.
  for (int use = 0; use < 10; ++use) {
    EXPECT_EQ(aliases.use("new"), none) << use;
  }
  EXPECT_EQ(aliases.use(topic_number(0)), (Use{1, false}));
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
