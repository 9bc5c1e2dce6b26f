#include "bridge/store/db_files.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <ctime>
#include <fcntl.h>
#include <iterator>
#include <string>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace iotgw::store {

namespace {

constexpr std::array<const char*, 3> kCompanions{"-wal", "-shm", "-journal"};

std::filesystem::path with_suffix(const std::filesystem::path& path, const char* suffix) {
  return std::filesystem::path(path.string() + suffix);
}

}  // namespace

void make_private(const std::filesystem::path& db) {
  const int fd = ::open(db.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    throw std::system_error(errno, std::generic_category(), "open " + db.string());
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && (st.st_mode & 0077) != 0) {
    ::fchmod(fd, st.st_mode & 0700);
  }
  ::close(fd);
  for (const char* suffix : kCompanions) {
    const auto companion = with_suffix(db, suffix);
    if (::stat(companion.c_str(), &st) == 0 && (st.st_mode & 0077) != 0) {
      ::chmod(companion.c_str(), st.st_mode & 0700);
    }
  }
}

bool looks_like_sqlite(const std::filesystem::path& db) {
  static constexpr char kHeader[16] = "SQLite format 3";  // with its terminating NUL
  const int fd = ::open(db.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return true;  // let SQLite report why it cannot be opened
  }
  std::array<char, sizeof(kHeader)> head{};
  const ssize_t n = ::read(fd, head.data(), head.size());
  ::close(fd);
  return n == 0 || (n == static_cast<ssize_t>(head.size()) &&
                    std::equal(head.begin(), head.end(), std::begin(kHeader)));
}

std::filesystem::path move_aside(const std::filesystem::path& db,
                                 std::chrono::system_clock::time_point now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  std::array<char, 32> stamp{};
  std::strftime(stamp.data(), stamp.size(), "%Y%m%dT%H%M%SZ", &utc);

  std::filesystem::path target = with_suffix(db, (std::string(".corrupt-") + stamp.data()).c_str());
  for (int n = 1; std::filesystem::exists(target); ++n) {
    target = with_suffix(
        db, (std::string(".corrupt-") + stamp.data() + "." + std::to_string(n)).c_str());
  }
  // The companions first: a crash in between leaves the database without a
  // stale WAL rather than a moved database whose WAL would be replayed into a
  // fresh one.
  for (const char* suffix : kCompanions) {
    const auto from = with_suffix(db, suffix);
    std::error_code ec;
    if (std::filesystem::exists(from, ec)) {
      std::filesystem::rename(from, with_suffix(target, suffix));
    }
  }
  std::filesystem::rename(db, target);
  return target;
}

}  // namespace iotgw::store
