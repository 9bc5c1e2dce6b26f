#include "config/file_checks.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace iotgw::config {

std::optional<std::string> unreadable(const std::filesystem::path& path, FileKind kind) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) {
      return path.string() + " does not exist";
    }
    return path.string() + " cannot be read: " + std::strerror(errno);
  }
  if (kind == FileKind::regular && !S_ISREG(info.st_mode)) {
    return path.string() + " is not a regular file";
  }
  if (kind == FileKind::directory && !S_ISDIR(info.st_mode)) {
    return path.string() + " is not a directory";
  }
  if (::access(path.c_str(), R_OK) != 0) {
    return path.string() + " cannot be read: " + std::strerror(errno);
  }
  return std::nullopt;
}

std::optional<std::string> exposed_secret(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return std::nullopt;
  }
  const mode_t others = info.st_mode & (S_IROTH | S_IWOTH);
  if (others == 0) {
    return std::nullopt;
  }
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
  const char* exposure = (others & S_IROTH) ? "readable" : "writable";
  return path.string() + " is " + exposure + " by others (mode " + mode + "); run: chmod o-rwx " +
         path.string();
}

std::optional<std::string> first_line(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::string line;
  if (!file || !std::getline(file, line)) {
    return std::nullopt;
  }
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return line;
}

}  // namespace iotgw::config
