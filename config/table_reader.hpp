// Reads typed values out of one TOML table, reporting every problem with its
// file position and remembering which keys were expected, so that the keys
// left over can be reported as unknown with a suggestion.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "config/config.hpp"
#include "config/diagnostic.hpp"

namespace iotgw::config {

struct Place {
  int line = 1;
  int column = 1;
};

Place place_of(const toml::source_region& region);

// A floating-point value as TOML writes it: the shortest text that reads back
// the same ("2.5", "1e+300", "80.0"), or "nan", "inf", "-inf".
std::string format_number(double value);

template <class E>
using Choices = std::span<const std::pair<std::string_view, E>>;

// A string read from the file, and where it stands there.
struct PlacedString {
  std::string value;
  Place place;
};

class TableReader {
 public:
  // path names the table in messages: "mqtt", "bus[0].device[2]", or "" for the root.
  TableReader(const toml::table& table, std::string path, Diagnostics& diagnostics);

  const std::string& path() const { return path_; }
  Diagnostics& diagnostics() const { return diagnostics_; }
  std::string key_path(std::string_view key) const;
  bool has(std::string_view key) const;
  // Where the key's value is written, or the table itself when the key is absent.
  Place place(std::string_view key) const;
  Place table_place() const;
  void error_at(std::string_view key, const std::string& message) const;
  // An error about the table as a whole, reported at its header.
  void error_here(const std::string& message) const;

  // Each read leaves out unchanged when the key is absent or its value is bad.
  void read(std::string_view key, std::string& out);
  void read(std::string_view key, bool& out);
  void read(std::string_view key, double& out);
  void read(std::string_view key, std::optional<double>& out);
  void read(std::string_view key, Duration& out, Duration min = Duration::zero(),
            Duration max = Duration::max());
  void read(std::string_view key, std::vector<std::string>& out);
  // A string, or a non-empty array of strings: each with its place.
  void read_one_or_many(std::string_view key, std::vector<PlacedString>& out);
  // "auto" leaves out empty; anything else must be a duration in [min, max].
  void read_auto(std::string_view key, std::optional<Duration>& out, Duration min, Duration max);
  void read_path(std::string_view key, std::filesystem::path& out);
  void read_size(std::string_view key, std::uint64_t& out, std::uint64_t min, std::uint64_t max);
  void read_integer(std::string_view key, std::int64_t& out, std::int64_t min, std::int64_t max);
  template <class Int>
  void read(std::string_view key, Int& out, std::int64_t min, std::int64_t max) {
    std::int64_t value = static_cast<std::int64_t>(out);
    read_integer(key, value, min, max);
    out = static_cast<Int>(value);
  }
  template <class E>
  void read_choice(std::string_view key, E& out, Choices<E> choices) {
    std::vector<std::string_view> names;
    for (const auto& choice : choices) {
      names.push_back(choice.first);
    }
    if (const std::optional<std::size_t> index = read_choice_index(key, names)) {
      out = choices[*index].second;
    }
  }

  void read_required(std::string_view key, std::string& out);
  // Reports the key as missing when it is absent.
  void require(std::string_view key);
  // A key that has a meaning elsewhere but not in this table.
  void reject(std::string_view key, std::string_view reason);

  const toml::table* subtable(std::string_view key);
  // An array of tables ([[bus]]); an absent key gives none.
  std::vector<const toml::table*> tables(std::string_view key);

  // Reports every key of the table that no read asked for.
  void finish();

 private:
  const toml::node* lookup(std::string_view key);
  void expected(std::string_view key, const toml::node& node, std::string_view what);
  std::optional<std::size_t> read_choice_index(std::string_view key,
                                               std::span<const std::string_view> names);

  const toml::table& table_;
  std::string path_;
  Diagnostics& diagnostics_;
  std::vector<std::string> known_;
};

}  // namespace iotgw::config
