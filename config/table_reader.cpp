#include "config/table_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "config/suggest.hpp"
#include "config/units.hpp"

namespace iotgw::config {
namespace {

// The name of a TOML value's type as a sentence fragment, for "found ..." messages.
std::string describe(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "the string \"" + std::string(node.as_string()->get()) + "\"";
    case toml::node_type::integer:
      return "the integer " + std::to_string(node.as_integer()->get());
    case toml::node_type::floating_point:
      return "the floating-point number " + format_number(node.as_floating_point()->get());
    case toml::node_type::boolean:
      return node.as_boolean()->get() ? "true" : "false";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date or time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::string join(std::span<const std::string_view> names) {
  std::string text;
  for (std::string_view name : names) {
    if (!text.empty()) {
      text += ", ";
    }
    text += name;
  }
  return text;
}

}  // namespace

std::string format_number(double value) {
  if (std::isnan(value)) {
    return "nan";
  }
  if (std::isinf(value)) {
    return value < 0 ? "-inf" : "inf";
  }
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, value);
  std::string formatted(text, result.ptr);
  if (formatted.find_first_of(".e") == std::string::npos) {
    formatted += ".0";
  }
  return formatted;
}

Place place_of(const toml::source_region& region) {
  return {static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

TableReader::TableReader(const toml::table& table, std::string path, Diagnostics& diagnostics)
    : table_(table), path_(std::move(path)), diagnostics_(diagnostics) {}

std::string TableReader::key_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

bool TableReader::has(std::string_view key) const {
  return table_.contains(key);
}

Place TableReader::place(std::string_view key) const {
  if (const toml::node* node = table_.get(key)) {
    return place_of(node->source());
  }
  return table_place();
}

Place TableReader::table_place() const {
  return place_of(table_.source());
}

void TableReader::error_at(std::string_view key, const std::string& message) const {
  const Place where = place(key);
  diagnostics_.error(where.line, where.column, message);
}

void TableReader::error_here(const std::string& message) const {
  const Place where = table_place();
  diagnostics_.error(where.line, where.column, message);
}

const toml::node* TableReader::lookup(std::string_view key) {
  known_.emplace_back(key);
  return table_.get(key);
}

void TableReader::expected(std::string_view key, const toml::node& node, std::string_view what) {
  error_at(key, key_path(key) + ": expected " + std::string(what) + ", found " + describe(node));
}

void TableReader::read(std::string_view key, std::string& out) {
  if (const toml::node* node = lookup(key)) {
    if (const auto* value = node->as_string()) {
      out = value->get();
    } else {
      expected(key, *node, "a string");
    }
  }
}

void TableReader::read(std::string_view key, bool& out) {
  if (const toml::node* node = lookup(key)) {
    if (const auto* value = node->as_boolean()) {
      out = value->get();
    } else {
      expected(key, *node, "true or false");
    }
  }
}

void TableReader::read(std::string_view key, double& out) {
  std::optional<double> value;
  read(key, value);
  if (value) {
    out = *value;
  }
}

void TableReader::read(std::string_view key, std::optional<double>& out) {
  if (const toml::node* node = lookup(key)) {
    if (const auto* real = node->as_floating_point()) {
      // nan compares false with everything, so a nan bound or deadband would
      // silently switch its check off; inf scales every reading to inf.
      if (!std::isfinite(real->get())) {
        error_at(key, key_path(key) + ": " + format_number(real->get()) +
                          " is not a finite number; write a finite number such as 1.5, or "
                          "remove the key");
        return;
      }
      out = real->get();
    } else if (const auto* integer = node->as_integer()) {
      out = static_cast<double>(integer->get());
    } else {
      expected(key, *node, "a number");
    }
  }
}

void TableReader::read(std::string_view key, Duration& out, Duration min, Duration max) {
  const toml::node* node = lookup(key);
  if (!node) {
    return;
  }
  const auto* text = node->as_string();
  if (!text) {
    std::string message =
        key_path(key) + ": expected a duration such as \"30s\", found " + describe(*node);
    if (const auto* integer = node->as_integer()) {
      message += "; write the unit too, e.g. \"" + std::to_string(integer->get()) + "s\"";
    }
    error_at(key, message);
    return;
  }
  const std::optional<Duration> value = parse_duration(text->get());
  if (!value) {
    error_at(key, key_path(key) + ": \"" + text->get() +
                      "\" is not a duration; write a number and a unit (ms, s, m, h, d) "
                      "such as \"250ms\", \"5s\" or \"1h30m\"");
  } else if (*value < min || *value > max) {
    std::string range = "at least " + format_duration(min);
    if (max != Duration::max()) {
      range = "between " + format_duration(min) + " and " + format_duration(max);
    }
    error_at(key, key_path(key) + ": " + text->get() + " is out of range; use " + range);
  } else {
    out = *value;
  }
}

void TableReader::read(std::string_view key, std::vector<std::string>& out) {
  const toml::node* node = lookup(key);
  if (!node) {
    return;
  }
  const auto* array = node->as_array();
  if (!array) {
    expected(key, *node, "an array of strings");
    return;
  }
  std::vector<std::string> values;
  for (const toml::node& element : *array) {
    if (const auto* text = element.as_string()) {
      values.push_back(text->get());
    } else {
      const Place where = place_of(element.source());
      diagnostics_.error(where.line, where.column,
                         key_path(key) + ": expected strings only, found " + describe(element));
      return;
    }
  }
  out = std::move(values);
}

void TableReader::read_one_or_many(std::string_view key, std::vector<PlacedString>& out) {
  const toml::node* node = lookup(key);
  if (!node) {
    return;
  }
  if (const auto* text = node->as_string()) {
    out = {{text->get(), place_of(node->source())}};
    return;
  }
  const auto* array = node->as_array();
  if (!array || array->empty()) {
    expected(key, *node, "a string or a non-empty array of strings");
    return;
  }
  std::vector<PlacedString> values;
  for (const toml::node& element : *array) {
    const auto* text = element.as_string();
    if (!text) {
      const Place where = place_of(element.source());
      diagnostics_.error(where.line, where.column,
                         key_path(key) + ": expected strings only, found " + describe(element));
      return;
    }
    values.push_back({text->get(), place_of(element.source())});
  }
  out = std::move(values);
}

void TableReader::read_auto(std::string_view key, std::optional<Duration>& out, Duration min,
                            Duration max) {
  const toml::node* node = table_.get(key);
  if (node && node->value_or(std::string_view{}) == "auto") {
    known_.emplace_back(key);
    out.reset();
    return;
  }
  Duration value = out.value_or(Duration::zero());
  read(key, value, min, max);
  if (node && parse_duration(node->value_or(std::string_view{}))) {
    out = value;
  }
}

void TableReader::read_path(std::string_view key, std::filesystem::path& out) {
  std::string text = out.string();
  read(key, text);
  out = text;
}

void TableReader::read_size(std::string_view key, std::uint64_t& out, std::uint64_t min,
                            std::uint64_t max) {
  const toml::node* node = lookup(key);
  if (!node) {
    return;
  }
  std::optional<std::uint64_t> value;
  if (const auto* integer = node->as_integer(); integer && integer->get() >= 0) {
    value = static_cast<std::uint64_t>(integer->get());
  } else if (const auto* text = node->as_string()) {
    value = parse_size(text->get());
    if (!value) {
      error_at(key, key_path(key) + ": \"" + text->get() +
                        "\" is not a size; write a number and a unit (B, KiB, MiB, GiB) "
                        "such as \"256KiB\" or \"64MiB\"");
      return;
    }
  } else {
    expected(key, *node, "a size such as \"256MiB\"");
    return;
  }
  if (*value < min || *value > max) {
    error_at(key, key_path(key) + ": " + format_size(*value) + " is out of range; use " +
                      format_size(min) + " to " + format_size(max));
    return;
  }
  out = *value;
}

void TableReader::read_integer(std::string_view key, std::int64_t& out, std::int64_t min,
                               std::int64_t max) {
  const toml::node* node = lookup(key);
  if (!node) {
    return;
  }
  const auto* integer = node->as_integer();
  if (!integer) {
    expected(key, *node, "an integer");
    return;
  }
  if (integer->get() < min || integer->get() > max) {
    error_at(key, key_path(key) + ": " + std::to_string(integer->get()) + " is out of range; use " +
                      std::to_string(min) + " to " + std::to_string(max));
    return;
  }
  out = integer->get();
}

std::optional<std::size_t> TableReader::read_choice_index(std::string_view key,
                                                          std::span<const std::string_view> names) {
  const toml::node* node = lookup(key);
  if (!node) {
    return std::nullopt;
  }
  const auto* text = node->as_string();
  if (!text) {
    expected(key, *node, "one of " + join(names));
    return std::nullopt;
  }
  const auto found = std::find(names.begin(), names.end(), text->get());
  if (found != names.end()) {
    return static_cast<std::size_t>(found - names.begin());
  }
  std::string message = key_path(key) + ": \"" + text->get() + "\" is not one of " + join(names);
  if (const auto suggestion = closest_match(text->get(), names)) {
    message += "; did you mean \"" + *suggestion + "\"?";
  }
  error_at(key, message);
  return std::nullopt;
}

void TableReader::read_required(std::string_view key, std::string& out) {
  require(key);
  read(key, out);
}

void TableReader::require(std::string_view key) {
  if (has(key)) {
    return;
  }
  if (path_.empty()) {
    error_here("missing required table [" + std::string(key) + "]");
  } else {
    error_here("missing required key \"" + std::string(key) + "\" in " + path_);
  }
}

void TableReader::reject(std::string_view key, std::string_view reason) {
  known_.emplace_back(key);
  if (has(key)) {
    error_at(key, key_path(key) + ": " + std::string(reason));
  }
}

const toml::table* TableReader::subtable(std::string_view key) {
  const toml::node* node = lookup(key);
  if (!node) {
    return nullptr;
  }
  if (const auto* table = node->as_table()) {
    return table;
  }
  expected(key, *node, "a table ([" + key_path(key) + "])");
  return nullptr;
}

std::vector<const toml::table*> TableReader::tables(std::string_view key) {
  std::vector<const toml::table*> result;
  const toml::node* node = lookup(key);
  if (!node) {
    return result;
  }
  const auto* array = node->as_array();
  if (!array || !array->is_array_of_tables()) {
    expected(key, *node, "an array of tables ([[" + key_path(key) + "]])");
    return result;
  }
  for (const toml::node& element : *array) {
    result.push_back(element.as_table());
  }
  return result;
}

void TableReader::finish() {
  std::vector<std::string_view> candidates(known_.begin(), known_.end());
  for (const auto& [key, node] : table_) {
    if (std::find(known_.begin(), known_.end(), key.str()) != known_.end()) {
      continue;
    }
    std::string message = "unknown key \"" + std::string(key.str()) + "\" " +
                          (path_.empty() ? "at the top level" : "in " + path_);
    if (const auto suggestion = closest_match(key.str(), candidates)) {
      message += "; did you mean \"" + *suggestion + "\"?";
    } else {
      message += "; known keys: " + join(candidates);
    }
    const Place where = place_of(key.source());
    diagnostics_.error(where.line, where.column, message);
  }
}

}  // namespace iotgw::config
