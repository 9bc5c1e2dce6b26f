#include <gtest/gtest.h>

#include "drivers/line/line_framer.hpp"

namespace iotgw::drivers::line {
namespace {

using Lines = std::vector<std::string>;

TEST(LineFramer, SplitsLinesWithinAndAcrossChunks) {
  LineFramer framer("\n", 64);
  EXPECT_EQ(framer.feed("T=1\nT=2\nT="), (Lines{"T=1", "T=2"}));
  EXPECT_EQ(framer.feed("3"), Lines{});
  EXPECT_EQ(framer.feed("\n"), Lines{"T=3"});
  EXPECT_EQ(framer.feed("\n"), Lines{""});
}

TEST(LineFramer, FindsAMultiByteDelimiterSplitAcrossChunks) {
  LineFramer framer("\r\n", 64);
  EXPECT_EQ(framer.feed("a=1\r"), Lines{});
  EXPECT_EQ(framer.feed("\nb=2\r\nc"), (Lines{"a=1", "b=2"}));
  EXPECT_EQ(framer.feed("\r"), Lines{});
  EXPECT_EQ(framer.feed("\r\n"), Lines{"c\r"});
}

TEST(LineFramer, TakesOneByteAtATime) {
  LineFramer framer("\r\n", 64);
  Lines lines;
  for (char c : std::string("one\r\ntwo\r\n")) {
    for (std::string& line : framer.feed(std::string_view(&c, 1))) {
      lines.push_back(std::move(line));
    }
  }
  EXPECT_EQ(lines, (Lines{"one", "two"}));
}

TEST(LineFramer, KeepsALineOfExactlyMaxLength) {
  LineFramer framer("\r\n", 4);
  EXPECT_EQ(framer.feed("abcd\r"), Lines{});
  EXPECT_EQ(framer.feed("\n"), Lines{"abcd"});
  EXPECT_EQ(framer.dropped_overlong(), 0U);
}

TEST(LineFramer, DropsAnOverlongLineOnceAndRecovers) {
  LineFramer framer("\n", 4);
  EXPECT_EQ(framer.feed("abcde\nok\n"), Lines{"ok"});
  EXPECT_EQ(framer.dropped_overlong(), 1U);
  // A runaway line longer than any buffer: counted once, memory stays bounded.
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(framer.feed("xxxxxxxxxxxxxxxxxxxxxxxx"), Lines{});
  }
  EXPECT_EQ(framer.feed("xx\nT=9\n"), Lines{"T=9"});
  EXPECT_EQ(framer.dropped_overlong(), 2U);
}

TEST(LineFramer, ResetForgetsThePartialLine) {
  LineFramer framer("\n", 16);
  EXPECT_EQ(framer.feed("T=2"), Lines{});
  framer.reset();
  EXPECT_EQ(framer.feed("3\n"), Lines{"3"});
}

}  // namespace
}  // namespace iotgw::drivers::line
