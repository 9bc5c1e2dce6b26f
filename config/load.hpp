// Reads and validates a configuration file.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/diagnostic.hpp"

namespace iotgw::config {

struct LoadResult {
  std::optional<Config> config;         // set only when there are no errors
  std::vector<Diagnostic> diagnostics;  // every error and warning, in file order
};

// Parses the file, validates every section and cross-checks them. Relative
// paths in the file (TLS files, password_file, a relative state_dir) are taken
// relative to the file's directory.
LoadResult load_file(const std::filesystem::path& file);

// The same for text already in memory; file names it in diagnostics and anchors
// relative paths.
LoadResult load_string(std::string_view text, const std::filesystem::path& file);

}  // namespace iotgw::config
