// Topic names, filters and the matcher (4.7).
#include <gtest/gtest.h>

#include "bridge/mqtt/topic.hpp"

namespace iotgw::bridge::mqtt {
namespace {

TEST(MqttTopic, ChecksTopicNames) {
  for (const char* valid : {"a", "/", "a/b", "/a", "a/", "a//b", "$SYS/broker", "sport tennis"}) {
    EXPECT_TRUE(check_topic_name(valid).has_value()) << valid;
  }
  for (const char* invalid : {"", "+", "#", "a/+", "a/#", "a+b", "sport/#/x"}) {
    auto checked = check_topic_name(invalid);
    ASSERT_FALSE(checked.has_value()) << invalid;
    EXPECT_EQ(checked.error().code, Errc::invalid_topic_name);
  }
  EXPECT_EQ(check_topic_name(std::string("a\0b", 3)).error().code, Errc::invalid_topic_name);
  EXPECT_TRUE(check_topic_name(std::string(65535, 'x')).has_value());
  EXPECT_FALSE(check_topic_name(std::string(65536, 'x')).has_value());
}

TEST(MqttTopic, ChecksTopicFilters) {
  for (const char* valid :
       {"a", "#", "+", "/", "+/+", "a/#", "a/+/b", "+/#", "/+", "$SYS/#", "a//b", "a/+/+/#"}) {
    EXPECT_TRUE(check_topic_filter(valid).has_value()) << valid;
  }
  for (const char* invalid :
       {"", "a#", "a/#/b", "#/a", "a+", "+a", "a/b+", "a/+b/c", "##", "++", "a/#/#"}) {
    auto checked = check_topic_filter(invalid);
    ASSERT_FALSE(checked.has_value()) << invalid;
    EXPECT_EQ(checked.error().code, Errc::invalid_topic_filter);
  }
  EXPECT_EQ(check_topic_filter(std::string("a\xC0\x80", 3)).error().code,
            Errc::invalid_topic_filter);
}

struct MatchRow {
  const char* filter;
  const char* topic;
  bool matches;
};

// 4.7.1.2, 4.7.1.3 and 4.7.2, examples included.
const MatchRow match_rows[] = {
    {"a/b", "a/b", true},
    {"a/b", "a/b/c", false},
    {"a/b/c", "a/b", false},
    {"A/b", "a/b", false},
    {"sport/tennis/player1/#", "sport/tennis/player1", true},
    {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
    {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
    {"sport/#", "sport", true},
    {"sport/#", "sports", false},
    {"#", "sport/tennis", true},
    {"#", "/", true},
    {"sport/tennis/+", "sport/tennis/player1", true},
    {"sport/tennis/+", "sport/tennis/player1/ranking", false},
    {"sport/+", "sport", false},
    {"sport/+", "sport/", true},
    {"+/+", "/finance", true},
    {"/+", "/finance", true},
    {"+", "/finance", false},
    {"+", "finance", true},
    {"a/+/c", "a/x/c", true},
    {"a/+/c", "a/x/d", false},
    {"a/+/b", "a//b", true},
    {"+/#", "a", true},
    {"a/+/#", "a", false},
    {"a/+/#", "a/b", true},
    {"/", "/", true},
    {"#", "$SYS/broker", false},
    {"+/broker", "$SYS/broker", false},
    {"+", "$SYS", false},
    {"$SYS/#", "$SYS/broker", true},
    {"$SYS/+", "$SYS/broker", true},
    {"a/$x", "a/$x", true},
    {"a/+", "a/$x", true},
};

TEST(MqttTopic, MatchesFiltersAgainstTopics) {
  for (const auto& row : match_rows) {
    EXPECT_EQ(topic_matches(row.filter, row.topic), row.matches)
        << "filter '" << row.filter << "' topic '" << row.topic << "'";
  }
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
