#include "gateway/bd_seq_file.hpp"

#include <fcntl.h>
#include <fstream>
#include <optional>
#include <string>
#include <system_error>
#include <unistd.h>

namespace iotgw::gateway {
namespace {

// The last bdSeq written, if the file holds one.
std::optional<unsigned> last_written(const std::filesystem::path& path) {
  std::ifstream file(path);
  unsigned value = 0;
  if (file >> value && value <= 255) {
    return value;
  }
  return std::nullopt;
}

bool write_durably(const std::filesystem::path& path, unsigned value) {
  const std::filesystem::path temporary = path.string() + ".new";
  const int fd =
      ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return false;
  }
  const std::string text = std::to_string(value) + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  std::error_code error;
  if (written) {
    std::filesystem::rename(temporary, path, error);
  }
  return written && !error;
}

}  // namespace

BdSeqFile::BdSeqFile(std::filesystem::path path) : path_(std::move(path)) {}

BdSeqFile::Next BdSeqFile::next() {
  const std::optional<unsigned> last = last_written(path_);
  const unsigned value = last ? (*last + 1) % 256 : 0;
  return {.value = static_cast<std::uint8_t>(value), .kept = write_durably(path_, value)};
}

}  // namespace iotgw::gateway
