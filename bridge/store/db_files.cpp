#include "bridge/store/db_files.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <ctime>
#include <fcntl.h>
#include <iterator>
#include <string>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace iotgw::bridge::store {

namespace {

constexpr std::array<const char*, 3> companions{"-wal", "-shm", "-journal"};

std::filesystem::path with_suffix(const std::filesystem::path& path, const char* suffix) {
  return std::filesystem::path(path.string() + suffix);
}

// What is at `path` if it is not a regular file (a link is not followed);
// empty for a regular file or nothing at all.
std::string not_a_file(const std::filesystem::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode)) {
    return {};
  }
  if (S_ISDIR(st.st_mode)) {
    return "is a directory";
  }
  if (S_ISLNK(st.st_mode)) {
    std::error_code ec;
    const auto target = std::filesystem::read_symlink(path, ec);
    return "is a symbolic link" + (ec ? std::string() : " to " + target.string());
  }
  return "is not a regular file";
}

std::uint32_t big_endian(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

// The write-ahead log header (32 bytes, every field a big-endian 32-bit word):
// magic, format version, page size, checkpoint sequence, two salts, and a
// checksum of the first 24 bytes. The magic's lowest bit says in which byte
// order the checksum reads its words; the checksum runs over pairs of words
// (s0 += x0 + s1; s1 += x1 + s0), as the SQLite file format describes it.
bool valid_wal_header(const unsigned char* h) {
  constexpr std::uint32_t wal_magic = 0x377f0682;
  constexpr std::uint32_t wal_format_version = 3007000;
  const std::uint32_t magic = big_endian(h);
  if ((magic & ~1u) != wal_magic || big_endian(h + 4) != wal_format_version) {
    return false;
  }
  const std::uint32_t page_size = big_endian(h + 8);
  if (page_size < 512 || page_size > 65536 || (page_size & (page_size - 1)) != 0) {
    return false;
  }
  const bool big = (magic & 1u) != 0;
  std::uint32_t s0 = 0;
  std::uint32_t s1 = 0;
  for (int i = 0; i < 24; i += 8) {
    std::uint32_t x0 = big_endian(h + i);
    std::uint32_t x1 = big_endian(h + i + 4);
    if (!big) {
      x0 = __builtin_bswap32(x0);
      x1 = __builtin_bswap32(x1);
    }
    s0 += x0 + s1;
    s1 += x1 + s0;
  }
  return s0 == big_endian(h + 24) && s1 == big_endian(h + 28);
}

// Empty if `wal` is missing, empty, or starts with a valid header.
std::string not_a_wal(const std::filesystem::path& wal) {
  const int fd = ::open(wal.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    return {};
  }
  std::array<unsigned char, 32> header{};
  const ssize_t n = ::read(fd, header.data(), header.size());
  ::close(fd);
  if (n == 0) {
    return {};
  }
  if (n != static_cast<ssize_t>(header.size()) || !valid_wal_header(header.data())) {
    return "is not a write-ahead log (no valid header)";
  }
  return {};
}

std::filesystem::path aside_name(const std::filesystem::path& file,
                                 std::chrono::system_clock::time_point now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  std::array<char, 32> stamp{};
  std::strftime(stamp.data(), stamp.size(), "%Y%m%dT%H%M%SZ", &utc);
  std::filesystem::path target =
      with_suffix(file, (std::string(".corrupt-") + stamp.data()).c_str());
  std::error_code ec;
  for (int n = 1; std::filesystem::exists(std::filesystem::symlink_status(target, ec)); ++n) {
    target = with_suffix(
        file, (std::string(".corrupt-") + stamp.data() + "." + std::to_string(n)).c_str());
  }
  return target;
}

bool present(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::exists(std::filesystem::symlink_status(path, ec));
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
  for (const char* suffix : companions) {
    // Never through a link: chmod would change whatever it names.
    const auto companion = with_suffix(db, suffix);
    if (::lstat(companion.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0077) != 0) {
      ::chmod(companion.c_str(), st.st_mode & 0700);
    }
  }
}

bool looks_like_sqlite(const std::filesystem::path& db) {
  static constexpr char sqlite_magic[16] = "SQLite format 3";  // with its terminating NUL
  const int fd = ::open(db.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    return true;  // let SQLite report why it cannot be opened
  }
  std::array<char, sizeof(sqlite_magic)> head{};
  const ssize_t n = ::read(fd, head.data(), head.size());
  ::close(fd);
  return n == 0 || (n == static_cast<ssize_t>(head.size()) &&
                    std::equal(head.begin(), head.end(), std::begin(sqlite_magic)));
}

std::vector<FileProblem> inspect_files(const std::filesystem::path& db) {
  std::vector<FileProblem> problems;
  if (std::string what = not_a_file(db); !what.empty()) {
    problems.push_back({db, std::move(what)});
  }
  for (const char* suffix : companions) {
    const auto companion = with_suffix(db, suffix);
    if (std::string what = not_a_file(companion); !what.empty()) {
      problems.push_back({companion, std::move(what)});
    }
  }
  const auto wal = with_suffix(db, "-wal");
  if (not_a_file(wal).empty()) {
    if (std::string what = not_a_wal(wal); !what.empty()) {
      problems.push_back({wal, std::move(what)});
    }
  }
  return problems;
}

std::filesystem::path move_aside(const std::filesystem::path& db,
                                 std::chrono::system_clock::time_point now) {
  const std::filesystem::path target = aside_name(db, now);
  // The companions first: a crash in between leaves the database without a
  // stale WAL rather than a moved database whose WAL would be replayed into a
  // fresh one. Links are renamed, never followed.
  for (const char* suffix : companions) {
    const auto from = with_suffix(db, suffix);
    if (present(from)) {
      std::filesystem::rename(from, with_suffix(target, suffix));
    }
  }
  std::filesystem::rename(db, target);
  return target;
}

std::filesystem::path move_one_aside(const std::filesystem::path& file,
                                     std::chrono::system_clock::time_point now) {
  const std::filesystem::path target = aside_name(file, now);
  std::filesystem::rename(file, target);
  return target;
}

}  // namespace iotgw::bridge::store
