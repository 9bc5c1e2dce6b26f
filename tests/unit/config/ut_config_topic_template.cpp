#include <gtest/gtest.h>

#include "config/topic_template.hpp"

namespace iotgw::config {
namespace {

constexpr unsigned all =
    placeholder_prefix | placeholder_gateway | placeholder_device | placeholder_point;

TEST(TopicTemplate, ExpandsEveryPlaceholder) {
  const TopicFields fields{
      .prefix = "site/a", .gateway = "gw1", .device = "boiler", .point = "flow_temp"};
  EXPECT_EQ(expand_topic("{prefix}/{gateway}/{device}/{point}", fields),
            "site/a/gw1/boiler/flow_temp");
  EXPECT_EQ(expand_topic("plain/topic", fields), "plain/topic");
  EXPECT_EQ(expand_topic("{device}-{point}!", fields), "boiler-flow_temp!");
}

TEST(TopicTemplate, ReportsWhichPlaceholdersAreUsed) {
  EXPECT_EQ(placeholders_used("{prefix}/{device}"), placeholder_prefix | placeholder_device);
  EXPECT_EQ(placeholders_used("fixed"), 0U);
}

TEST(TopicTemplate, NamesTheProblem) {
  EXPECT_TRUE(check_template("{prefix}/{gateway}/{device}/{point}", all));
  EXPECT_EQ(check_template("", all).error(), "the topic is empty");
  EXPECT_EQ(check_template("{prefix/x", all).error(), "\"{\" is not closed");
  EXPECT_EQ(check_template("a}/b", all).error(), "a \"}\" without \"{\"");
  EXPECT_EQ(check_template("{Device}", all).error(),
            "unknown placeholder {Device}; use {prefix}, {gateway}, {device} or {point}");
  EXPECT_EQ(check_template("{prefix}/{device}", placeholder_prefix).error(),
            "{device} cannot be used in this topic");
}

}  // namespace
}  // namespace iotgw::config
