// Checks on files named in the configuration, done at load time so that a
// missing certificate stops start-up instead of every later connect.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "config/check.hpp"

namespace iotgw::config {

enum class FileKind { regular, directory };

// Passes when the path is a readable file or directory of the kind asked for.
// Symbolic links are followed: the kind is that of what they point to.
Check readable(const std::filesystem::path& path, FileKind kind);

// Passes when the path can be a directory iotgw uses or creates
// (gateway.state_dir): a directory, or not there yet with its nearest existing
// ancestor a directory. Paths that cannot be looked at (no search permission
// for this user) pass: the service's own user may see them.
Check usable_directory(const std::filesystem::path& path);

// Passes when a path that does not exist could be created: its nearest
// existing ancestor is a directory.
Check creatable(const std::filesystem::path& path);

// Passes when the path is a regular file or does not exist; otherwise says
// what it is (a directory where store.path should be).
Check regular_file_or_absent(const std::filesystem::path& path);

// Passes when the path can be a serial port: after following symbolic links,
// a character device (a UART, a USB adapter or a pseudo-terminal). A path that
// does not exist passes: an adapter may be plugged in later, and the bus keeps
// trying to open it.
Check serial_port_or_absent(const std::filesystem::path& path);

// Passes when others can neither read nor write the secret file.
Check private_to_owner(const std::filesystem::path& path);

// Passes when neither its group nor others can read or write the secret file
// (a bearer token: only the gateway's own user may hold it).
Check private_to_user(const std::filesystem::path& path);

// Passes when the file holds at least one byte, or cannot be looked at.
Check not_empty(const std::filesystem::path& path);

// The first line of a regular file without its line ending; lines past 64 KiB are cut.
std::optional<std::string> first_line(const std::filesystem::path& path);

}  // namespace iotgw::config
