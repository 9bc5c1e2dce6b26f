// Checks on files named in the configuration, done at load time so that a
// missing certificate stops start-up instead of every later connect.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace iotgw::config {

enum class FileKind { regular, directory };

// Why the path cannot be used as a readable file or directory, or nothing.
// Symbolic links are followed: the kind is that of what they point to.
std::optional<std::string> unreadable(const std::filesystem::path& path, FileKind kind);

// Why the path cannot be a directory iotgw uses or creates (gateway.state_dir),
// or nothing: it must be a directory, or not exist yet with its nearest
// existing ancestor a directory. Paths that cannot be looked at (no search
// permission for this user) pass: the service's own user may see them.
std::optional<std::string> unusable_directory(const std::filesystem::path& path);

// Why a path that does not exist could not be created, or nothing: its
// nearest existing ancestor must be a directory.
std::optional<std::string> uncreatable(const std::filesystem::path& path);

// What an existing path is when it is not a regular file (a directory where
// store.path should be), or nothing.
std::optional<std::string> existing_non_file(const std::filesystem::path& path);

// Why an existing path cannot be a serial port, or nothing: after following
// symbolic links it must be a character device (a UART, a USB adapter or a
// pseudo-terminal). A path that does not exist passes: an adapter may be
// plugged in later, and the bus keeps trying to open it.
std::optional<std::string> not_a_serial_port(const std::filesystem::path& path);

// Why a secret file is exposed (readable or writable by others), or nothing.
std::optional<std::string> exposed_secret(const std::filesystem::path& path);

// The first line of a regular file without its line ending; lines past 64 KiB are cut.
std::optional<std::string> first_line(const std::filesystem::path& path);

}  // namespace iotgw::config
