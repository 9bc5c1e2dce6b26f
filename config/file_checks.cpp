#include "config/file_checks.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace iotgw::config {
namespace {

// What kind of thing a mode describes, as a sentence fragment.
std::string kind_of(mode_t mode) {
  if (S_ISREG(mode)) {
    return "a regular file";
  }
  if (S_ISDIR(mode)) {
    return "a directory";
  }
  if (S_ISCHR(mode)) {
    return "a character device";
  }
  if (S_ISBLK(mode)) {
    return "a block device";
  }
  if (S_ISFIFO(mode)) {
    return "a named pipe";
  }
  if (S_ISSOCK(mode)) {
    return "a socket";
  }
  return "neither a file nor a directory";
}

// The nearest ancestor of path that exists and what it is, found by walking
// up past the parts that do not exist; nothing when one cannot be looked at.
std::optional<std::pair<std::filesystem::path, mode_t>> nearest_existing(
    const std::filesystem::path& path) {
  std::filesystem::path at = path;
  while (true) {
    struct stat info {};
    if (::stat(at.c_str(), &info) == 0) {
      return std::pair{at, info.st_mode};
    }
    // ENOTDIR: a part above is not a directory; walking up finds it.
    if ((errno != ENOENT && errno != ENOTDIR) || !at.has_relative_path()) {
      return std::nullopt;
    }
    at = at.parent_path();
  }
}

// Passes when the file's mode has none of the bits of mask; otherwise says who
// can read (or write) it and the chmod that stops them.
Check kept_from(const std::filesystem::path& path, mode_t mask, const char* chmod) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return {};
  }
  const mode_t exposed = info.st_mode & mask;
  if (exposed == 0) {
    return {};
  }
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
  const bool group = (exposed & (S_IRGRP | S_IWGRP)) != 0;
  const bool others = (exposed & (S_IROTH | S_IWOTH)) != 0;
  const char* who = group && others ? "its group and others" : group ? "its group" : "others";
  const char* exposure = (exposed & (S_IRGRP | S_IROTH)) ? "readable" : "writable";
  return path.string() + " is " + exposure + " by " + who + " (mode " + mode + "); run: chmod " +
         chmod + " " + path.string();
}

}  // namespace

Check readable(const std::filesystem::path& path, FileKind kind) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) {
      return path.string() + " does not exist";
    }
    return path.string() + " cannot be read: " + std::strerror(errno);
  }
  if (kind == FileKind::regular && !S_ISREG(info.st_mode)) {
    return path.string() + " is " + kind_of(info.st_mode) + ", not a regular file";
  }
  if (kind == FileKind::directory && !S_ISDIR(info.st_mode)) {
    return path.string() + " is " + kind_of(info.st_mode) + ", not a directory";
  }
  if (::access(path.c_str(), R_OK) != 0) {
    return path.string() + " cannot be read: " + std::strerror(errno);
  }
  return {};
}

Check creatable(const std::filesystem::path& path) {
  const auto found = nearest_existing(path.parent_path().empty() ? "." : path.parent_path());
  if (!found || S_ISDIR(found->second)) {
    return {};
  }
  return path.string() + " cannot be created: " + found->first.string() + " is " +
         kind_of(found->second) + ", not a directory";
}

Check usable_directory(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) {
      return {};
    }
    return path.string() + " is " + kind_of(info.st_mode) + ", not a directory";
  }
  if (errno != ENOENT && errno != ENOTDIR) {
    return {};
  }
  return creatable(path);
}

Check regular_file_or_absent(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || S_ISREG(info.st_mode)) {
    return {};
  }
  return path.string() + " is " + kind_of(info.st_mode) + ", not a regular file";
}

Check serial_port_or_absent(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || S_ISCHR(info.st_mode)) {
    return {};
  }
  return path.string() + " is " + kind_of(info.st_mode) +
         ", not a serial port (a character device)";
}

Check private_to_owner(const std::filesystem::path& path) {
  return kept_from(path, S_IROTH | S_IWOTH, "o-rwx");
}

Check private_to_user(const std::filesystem::path& path) {
  return kept_from(path, S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH, "go-rwx");
}

Check not_empty(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || info.st_size > 0) {
    return {};
  }
  return path.string() + " is empty";
}

std::optional<std::string> first_line(const std::filesystem::path& path) {
  // Only a regular file: a pipe or a device could block or never end.
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return std::nullopt;
  }
  std::ifstream file(path);
  std::string line(64 * 1024, '\0');
  if (!file) {
    return std::nullopt;
  }
  file.getline(line.data(), static_cast<std::streamsize>(line.size()));
  if (file.gcount() == 0 && !file) {
    return std::nullopt;
  }
  line.resize(std::char_traits<char>::length(line.c_str()));
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return line;
}

}  // namespace iotgw::config
