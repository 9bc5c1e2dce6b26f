#include "config/units.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <utility>

namespace iotgw::config {
namespace {

// Reads an unsigned decimal number such as "12" or "0.25" from the front of text.
std::optional<double> take_number(std::string_view& text) {
  std::size_t length = 0;
  bool seen_digit = false;
  bool seen_point = false;
  while (length < text.size()) {
    const char c = text[length];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      seen_digit = true;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
    ++length;
  }
  if (!seen_digit) {
    return std::nullopt;
  }
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + length, value);
  if (error != std::errc{} || end != text.data() + length) {
    return std::nullopt;
  }
  text.remove_prefix(length);
  return value;
}

// Reads the alphabetic unit at the front of text.
std::string_view take_unit(std::string_view& text) {
  std::size_t length = 0;
  while (length < text.size() && std::isalpha(static_cast<unsigned char>(text[length]))) {
    ++length;
  }
  const std::string_view unit = text.substr(0, length);
  text.remove_prefix(length);
  return unit;
}

constexpr std::array<std::pair<std::string_view, std::int64_t>, 5> duration_units{{
    {"d", 86'400'000},
    {"h", 3'600'000},
    {"m", 60'000},
    {"s", 1'000},
    {"ms", 1},
}};

constexpr std::array<std::pair<std::string_view, std::uint64_t>, 8> size_units{{
    {"GiB", 1024ULL * 1024 * 1024},
    {"MiB", 1024ULL * 1024},
    {"KiB", 1024},
    {"GB", 1'000'000'000},
    {"MB", 1'000'000},
    {"kB", 1'000},
    {"KB", 1'000},
    {"B", 1},
}};

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  if (text == "0") {
    return Duration::zero();
  }
  if (text.empty()) {
    return std::nullopt;
  }
  double total_ms = 0;
  while (!text.empty()) {
    const std::optional<double> number = take_number(text);
    if (!number) {
      return std::nullopt;
    }
    const std::string_view unit = take_unit(text);
    bool known = false;
    for (const auto& [name, ms] : duration_units) {
      if (unit == name) {
        total_ms += *number * static_cast<double>(ms);
        known = true;
      }
    }
    if (!known) {
      return std::nullopt;
    }
  }
  // Ten years is far beyond any sensible interval and keeps the cast exact.
  if (total_ms != std::floor(total_ms) || total_ms > 315'360'000'000.0) {
    return std::nullopt;
  }
  return Duration(static_cast<Duration::rep>(total_ms));
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  const std::optional<double> number = take_number(text);
  if (!number) {
    return std::nullopt;
  }
  const std::string_view unit = take_unit(text);
  if (!text.empty()) {
    return std::nullopt;
  }
  std::uint64_t multiplier = unit.empty() ? 1 : 0;
  for (const auto& [name, bytes] : size_units) {
    if (unit == name) {
      multiplier = bytes;
    }
  }
  const double bytes = *number * static_cast<double>(multiplier);
  if (multiplier == 0 || bytes != std::floor(bytes) || bytes >= 1.8e19) {
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(bytes);
}

std::string format_duration(Duration duration) {
  std::int64_t ms = duration.count();
  if (ms == 0) {
    return "0s";
  }
  std::string text;
  for (const auto& [name, unit_ms] : duration_units) {
    if (ms >= unit_ms) {
      text += std::to_string(ms / unit_ms);
      text += name;
      ms %= unit_ms;
    }
  }
  return text;
}

std::string format_size(std::uint64_t bytes) {
  for (const auto& [name, unit] : size_units) {
    if (name.ends_with("iB") && bytes >= unit && bytes % unit == 0) {
      return std::to_string(bytes / unit) + std::string(name);
    }
  }
  return std::to_string(bytes) + "B";
}

}  // namespace iotgw::config
