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
  EXPECT_EQ(template_problem("{prefix}/{gateway}/{device}/{point}", all), std::nullopt);
  EXPECT_EQ(template_problem("", all), "the topic is empty");
  EXPECT_EQ(template_problem("{prefix/x", all), "\"{\" is not closed");
  EXPECT_EQ(template_problem("a}/b", all), "a \"}\" without \"{\"");
  EXPECT_EQ(template_problem("{Device}", all),
            "unknown placeholder {Device}; use {prefix}, {gateway}, {device} or {point}");
  EXPECT_EQ(template_problem("{prefix}/{device}", placeholder_prefix),
            "{device} cannot be used in this topic");
}

}  // namespace
}  // namespace iotgw::config
