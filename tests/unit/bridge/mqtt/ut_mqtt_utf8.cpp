// UTF-8 rules for MQTT strings (1.5.3).
#include <gtest/gtest.h>

#include "bridge/mqtt/utf8.hpp"

namespace iotgw::bridge::mqtt {
namespace {

// Builds a std::string from raw bytes, embedded NULs included.
std::string raw(std::initializer_list<std::uint8_t> bytes) {
  return std::string(bytes.begin(), bytes.end());
}

TEST(MqttUtf8, AcceptsWellFormedText) {
  const std::string valid[] = {
      "",
      "iotgw/gw1/temperature",
      raw({0xC3, 0xA9}),              // U+00E9
      raw({0xE2, 0x82, 0xAC}),        // U+20AC
      raw({0xED, 0x9F, 0xBF}),        // U+D7FF, just below the surrogates
      raw({0xEE, 0x80, 0x80}),        // U+E000, just above the surrogates
      raw({0xEF, 0xBF, 0xBF}),        // U+FFFF
      raw({0xEF, 0xBB, 0xBF}),        // U+FEFF, kept as is (1.5.3)
      raw({0xF0, 0x9D, 0x84, 0x9E}),  // U+1D11E
      raw({0xF4, 0x8F, 0xBF, 0xBF}),  // U+10FFFF, the last code point
      raw({0x7F}),                    // a control character: allowed, not recommended
  };
  for (const auto& text : valid) {
    EXPECT_TRUE(check_utf8(text, "field").has_value()) << text;
  }
}

TEST(MqttUtf8, RejectsMalformedText) {
  const std::string invalid[] = {
      raw({0x00}),                    // U+0000
      raw({0x61, 0x00, 0x62}),        // U+0000 inside
      raw({0xC0, 0x80}),              // overlong U+0000
      raw({0xC1, 0xBF}),              // overlong U+007F
      raw({0xE0, 0x80, 0x80}),        // overlong 3-byte
      raw({0xE0, 0x9F, 0xBF}),        // overlong U+07FF
      raw({0xF0, 0x8F, 0xBF, 0xBF}),  // overlong U+FFFF
      raw({0xED, 0xA0, 0x80}),        // U+D800 surrogate
      raw({0xED, 0xBF, 0xBF}),        // U+DFFF surrogate
      raw({0xF4, 0x90, 0x80, 0x80}),  // U+110000
      raw({0xF5, 0x80, 0x80, 0x80}),  // lead byte past U+10FFFF
      raw({0xFF}),                    // never valid
      raw({0x80}),                    // lone continuation byte
      raw({0xC3}),                    // truncated 2-byte
      raw({0xE2, 0x82}),              // truncated 3-byte
      raw({0xF0, 0x9D, 0x84}),        // truncated 4-byte
      raw({0xC3, 0x28}),              // bad continuation
      raw({0xE2, 0x28, 0xAC}),        // bad continuation
      raw({0xE2, 0x82, 0x28}),        // bad third byte
  };
  for (const auto& text : invalid) {
    auto checked = check_utf8(text, "field");
    ASSERT_FALSE(checked.has_value()) << testing::PrintToString(text);
    EXPECT_EQ(checked.error().code, Errc::invalid_utf8);
    EXPECT_NE(checked.error().reason.find("field"), std::string::npos);
  }
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
