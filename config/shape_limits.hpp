// Bounds on the shape of a configuration file, checked on its text before the
// TOML parser sees it: a file far larger than any real configuration, keys
// nested thousands of levels deep (the parser's tree is freed recursively and
// would overflow the stack), or hundreds of thousands of keys (seconds of
// parsing and as many diagnostics) are refused with one clear error instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace iotgw::config {

// A real configuration with a thousand points is well under 200 KiB.
inline constexpr std::uint64_t max_file_size = 4ULL * 1024 * 1024;
// Dots outside strings and comments on one line: dotted keys and table
// headers nest one level per dot, and neither can span lines.
inline constexpr std::size_t max_dots_per_line = 256;
// Key/value pairs and table headers in the whole file.
inline constexpr std::size_t max_entries = 100'000;

struct ShapeProblem {
  int line = 1;
  int column = 1;
  std::string message;
};

// The first bound the text breaks, or nothing.
std::optional<ShapeProblem> shape_problem(std::string_view text);

}  // namespace iotgw::config
