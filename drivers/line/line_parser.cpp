#include "drivers/line/line_parser.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "config/point_scaling.hpp"

namespace iotgw::drivers::line {
namespace {

std::string_view trim(std::string_view text) {
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && is_space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_space(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

template <class Number>
std::optional<Number> parse_number(std::string_view text) {
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
  }
  Number value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::optional<bool> parse_bool(std::string_view text) {
  for (std::string_view yes : {"1", "true", "on", "yes"}) {
    if (equals_ignoring_case(text, yes)) {
      return true;
    }
  }
  for (std::string_view no : {"0", "false", "off", "no"}) {
    if (equals_ignoring_case(text, no)) {
      return false;
    }
  }
  return std::nullopt;
}

// The range of the point's integer type, for values that would not fit it.
bool fits(config::ValueType type, std::int64_t value) {
  switch (type) {
    case config::ValueType::int16:
      return value >= std::numeric_limits<std::int16_t>::min() &&
             value <= std::numeric_limits<std::int16_t>::max();
    case config::ValueType::int32:
      return value >= std::numeric_limits<std::int32_t>::min() &&
             value <= std::numeric_limits<std::int32_t>::max();
    default:
      return true;
  }
}

bool fits(config::ValueType type, std::uint64_t value) {
  switch (type) {
    case config::ValueType::uint16:
      return value <= std::numeric_limits<std::uint16_t>::max();
    case config::ValueType::uint32:
      return value <= std::numeric_limits<std::uint32_t>::max();
    default:
      return true;
  }
}

// Scale and offset turn any number into a double; without them integers stay exact.
template <class Number>
Value scaled(const config::Point& point, Number raw) {
  if (point.scale == 1.0 && point.offset == 0.0) {
    return raw;
  }
  return config::to_engineering(point, static_cast<double>(raw));
}

}  // namespace

std::optional<Value> parse_value(const config::Point& point, std::string_view text) {
  text = trim(text);
  using config::ValueType;
  switch (point.type) {
    case ValueType::boolean:
      if (const auto value = parse_bool(text)) {
        return *value;
      }
      return std::nullopt;
    case ValueType::string:
      return std::string(text);
    case ValueType::int16:
    case ValueType::int32:
    case ValueType::int64:
      if (const auto value = parse_number<std::int64_t>(text); value && fits(point.type, *value)) {
        return scaled(point, *value);
      }
      return std::nullopt;
    case ValueType::uint16:
    case ValueType::uint32:
    case ValueType::uint64:
      if (const auto value = parse_number<std::uint64_t>(text); value && fits(point.type, *value)) {
        return scaled(point, *value);
      }
      return std::nullopt;
    case ValueType::float32:
    case ValueType::float64:
      if (const auto value = parse_number<double>(text); value && std::isfinite(*value)) {
        return config::to_engineering(point, *value);
      }
      return std::nullopt;
  }
  return std::nullopt;
}

LineParser::LineParser(const config::Device& device) : device_(device) {
  if (!device.pattern.empty()) {
    pattern_.emplace(device.pattern, std::regex::extended);
  }
}

ParsedLine LineParser::parse(std::string_view line) const {
  ParsedLine parsed;
  parsed.values.resize(device_.points.size());
  if (pattern_) {
    std::match_results<std::string_view::const_iterator> match;
    if (!std::regex_search(line.begin(), line.end(), match, *pattern_)) {
      return parsed;
    }
    parsed.matched = true;
    for (std::size_t i = 0; i < device_.points.size() && i + 1 < match.size(); ++i) {
      if (match[i + 1].matched) {
        parsed.values[i] = parse_value(device_.points[i],
                                       std::string_view(match[i + 1].first, match[i + 1].second));
        parsed.bad_values += parsed.values[i] ? 0 : 1;
      }
    }
    return parsed;
  }
  // key=value pairs separated by blanks, commas or semicolons.
  constexpr std::string_view separators = " \t,;";
  std::size_t position = 0;
  while (position < line.size()) {
    const std::size_t end = std::min(line.find_first_of(separators, position), line.size());
    const std::string_view pair = line.substr(position, end - position);
    position = end + 1;
    const std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos) {
      continue;
    }
    const std::string_view key = pair.substr(0, equals);
    for (std::size_t i = 0; i < device_.points.size(); ++i) {
      if (device_.points[i].key == key) {
        parsed.matched = true;
        parsed.values[i] = parse_value(device_.points[i], pair.substr(equals + 1));
        parsed.bad_values += parsed.values[i] ? 0 : 1;
      }
    }
  }
  return parsed;
}

}  // namespace iotgw::drivers::line
