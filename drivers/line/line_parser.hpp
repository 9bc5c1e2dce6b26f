// Turns one line from a line sensor into values for its device's points: by the
// device's pattern (capture group N is point N) or, without a pattern, by
// key=value pairs whose keys name the points.
#pragma once

#include <optional>
#include <regex>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "drivers/reading.hpp"

namespace iotgw::drivers::line {

struct ParsedLine {
  bool matched = false;  // the line is for this device (pattern matched, or a key found)
  // One entry per point of the device: empty when the point is absent from the
  // line or its text does not convert to the point's type.
  std::vector<std::optional<Value>> values;
  int bad_values = 0;  // points present whose text did not convert
};

class LineParser {
 public:
  // The device's pattern must compile (the configuration loader checks it).
  explicit LineParser(const config::Device& device);

  ParsedLine parse(std::string_view line) const;

 private:
  const config::Device& device_;
  std::optional<std::regex> pattern_;
};

// Converts a point's text to its type, then applies scale and offset.
std::optional<Value> parse_value(const config::Point& point, std::string_view text);

}  // namespace iotgw::drivers::line
