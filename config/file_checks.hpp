// Checks on files named in the configuration, done at load time so that a
// missing certificate stops start-up instead of every later connect.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace iotgw::config {

enum class FileKind { regular, directory };

// Why the path cannot be used as a readable file or directory, or nothing.
std::optional<std::string> unreadable(const std::filesystem::path& path, FileKind kind);

// Why a secret file is exposed (readable or writable by others), or nothing.
std::optional<std::string> exposed_secret(const std::filesystem::path& path);

// The first line of a file without its line ending.
std::optional<std::string> first_line(const std::filesystem::path& path);

}  // namespace iotgw::config
