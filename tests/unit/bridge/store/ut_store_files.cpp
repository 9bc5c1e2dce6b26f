// QueueCore and its files: vacuum, a corrupt database at start, file modes,
// and a full disk.
#include <fstream>
#include <numeric>
#include <sys/stat.h>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "bridge/store/queue_core.hpp"
#include "tests/unit/bridge/store/store_test_support.hpp"

namespace iotgw::bridge::store::test {
namespace {

namespace fs = std::filesystem;

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

std::vector<fs::path> moved_aside(const TempDir& dir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    if (entry.path().filename().string().find(".corrupt-") != std::string::npos) {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

void write_file(const fs::path& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(StoreFiles, VacuumGivesFreedPagesBackToTheFileSystem) {
  TempDir dir;
  QueueCore core(store_config(dir));
  for (int i = 0; i < 10; ++i) {
    core.append(numbered_range(i * 2000, 2000));
  }
  core.maintain();  // everything into the database file
  const std::uint64_t full = core.file_bytes();
  ASSERT_GT(full, 2'000'000u);
  for (Seq seq = 1; seq <= 20'000; ++seq) {
    core.ack(seq);
  }
  core.commit();
  core.maintain();
  const std::uint64_t drained = core.file_bytes();
  EXPECT_LT(drained, full / 20) << "full " << full << " drained " << drained;
  EXPECT_EQ(fs::file_size(dir.path() / "queue.db-wal"), 0u) << "truncating checkpoint";
  EXPECT_EQ(core.counters().rows, 0u);
}

TEST(StoreFiles, DatabaseAndWalAreCreatedPrivate) {
  TempDir dir;
  const mode_t old_umask = ::umask(022);
  {
    QueueCore core(store_config(dir));
    core.append(numbered_range(0, 10));
    EXPECT_EQ(mode_of(dir.path() / "queue.db"), 0600u);
    EXPECT_EQ(mode_of(dir.path() / "queue.db-wal"), 0600u);
    EXPECT_EQ(mode_of(dir.path() / "queue.db-shm"), 0600u);
  }
  ::umask(old_umask);
}

TEST(StoreFiles, AnExistingDatabaseReadableByOthersIsMadePrivate) {
  TempDir dir;
  { QueueCore(store_config(dir)).append(numbered_range(0, 1)); }
  ::chmod((dir.path() / "queue.db").c_str(), 0644);
  QueueCore core(store_config(dir));
  EXPECT_EQ(mode_of(dir.path() / "queue.db"), 0600u);
  EXPECT_EQ(core.counters().rows, 1u);
}

TEST(StoreFiles, GarbageDatabaseIsMovedAsideWithItsWal) {
  TempDir dir;
  const std::string garbage(8192, 'x');
  write_file(dir.path() / "queue.db", garbage);
  write_file(dir.path() / "queue.db-wal", "not a wal either");
  QueueCore core(store_config(dir));
  EXPECT_EQ(core.counters().recoveries, 1u);
  EXPECT_EQ(core.counters().rows, 0u);
  EXPECT_EQ(core.append(numbered_range(0, 2)).seqs, (std::vector<Seq>{1, 2}));
  const auto moved = moved_aside(dir);
  ASSERT_EQ(moved.size(), 2u);
  EXPECT_EQ(read_file(moved[0]), garbage);
  EXPECT_EQ(moved[1].string(), moved[0].string() + "-wal");
  EXPECT_EQ(read_file(moved[1]), "not a wal either");
}

TEST(StoreFiles, DamagedPagesAreFoundAtOpenAndMovedAside) {
  TempDir dir;
  {
    QueueCore core(store_config(dir));
    core.append(numbered_range(0, 5000));
    core.maintain();
  }
  {
    // Overwrite a few pages in the middle of the b-tree.
    std::fstream f(dir.path() / "queue.db", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096 * 5);
    const std::string noise(4096 * 3, '\xA5');
    f.write(noise.data(), static_cast<std::streamsize>(noise.size()));
  }
  QueueCore core(store_config(dir));
  EXPECT_EQ(core.counters().recoveries, 1u);
  EXPECT_EQ(core.counters().rows, 0u);
  EXPECT_EQ(moved_aside(dir).size(), 1u);
}

TEST(StoreFiles, AForeignDatabaseIsMovedAsideNotAdopted) {
  TempDir dir;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() / "queue.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "CREATE TABLE t(x); PRAGMA user_version = 7;", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  QueueCore core(store_config(dir));
  EXPECT_EQ(core.counters().recoveries, 1u);
  EXPECT_EQ(core.append(numbered_range(0, 1)).seqs, (std::vector<Seq>{1}));
}

// A store with rows in it, closed cleanly (the WAL checkpointed away).
void make_store(const TempDir& dir, int rows) {
  QueueCore core(store_config(dir));
  core.append(numbered_range(0, rows));
}

TEST(StoreFiles, ADirectoryAtTheDatabasePathIsMovedAsideNotFatal) {
  TempDir dir;
  fs::create_directory(dir.path() / "queue.db");
  write_file(dir.path() / "queue.db" / "inside", "kept");
  QueueCore core(store_config(dir));
  EXPECT_EQ(core.counters().recoveries, 1u);
  EXPECT_EQ(core.append(numbered_range(0, 2)).seqs, (std::vector<Seq>{1, 2}));
  EXPECT_TRUE(fs::is_regular_file(dir.path() / "queue.db"));
  const auto moved = moved_aside(dir);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_TRUE(fs::is_directory(moved[0]));
  EXPECT_EQ(read_file(moved[0] / "inside"), "kept");
}

TEST(StoreFiles, ASymlinkAtTheDatabasePathIsMovedAsideNeverWrittenThrough) {
  TempDir dir;
  const fs::path victim = dir.path() / "victim";
  write_file(victim, "someone else's file");
  fs::create_symlink(victim, dir.path() / "queue.db");
  {
    QueueCore core(store_config(dir));
    EXPECT_EQ(core.counters().recoveries, 1u);
    core.append(numbered_range(0, 100));
    EXPECT_FALSE(fs::is_symlink(dir.path() / "queue.db"));
  }
  EXPECT_EQ(read_file(victim), "someone else's file");
  const auto moved = moved_aside(dir);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_TRUE(fs::is_symlink(moved[0]));
  EXPECT_EQ(fs::read_symlink(moved[0]), victim);
}

TEST(StoreFiles, ADanglingSymlinkAtTheDatabasePathIsMovedAside) {
  TempDir dir;
  fs::create_symlink(dir.path() / "nowhere" / "queue.db", dir.path() / "queue.db");
  QueueCore core(store_config(dir));
  EXPECT_EQ(core.counters().recoveries, 1u);
  EXPECT_EQ(core.append(numbered_range(0, 1)).accepted, 1u);
  EXPECT_FALSE(fs::exists(dir.path() / "nowhere"));
}

TEST(StoreFiles, ASymlinkedWalIsMovedAsideNeverWrittenThrough) {
  TempDir dir;
  make_store(dir, 10);
  const fs::path victim = dir.path() / "victim";
  write_file(victim, "");
  fs::create_symlink(victim, dir.path() / "queue.db-wal");
  {
    QueueCore core(store_config(dir));
    EXPECT_EQ(core.counters().recoveries, 1u);
    EXPECT_EQ(core.counters().rows, 10u) << "the database itself is sound and kept";
    core.append(numbered_range(10, 100));
  }
  EXPECT_EQ(fs::file_size(victim), 0u);
}

TEST(StoreFiles, AWalThatIsADirectoryIsMovedAsideAndTheRowsKept) {
  TempDir dir;
  make_store(dir, 10);
  fs::create_directory(dir.path() / "queue.db-wal");
  QueueCore core(store_config(dir));
  EXPECT_EQ(core.counters().recoveries, 1u);
  EXPECT_EQ(numbers_in(core).size(), 10u);
  EXPECT_EQ(core.append(numbered_range(10, 1)).seqs, (std::vector<Seq>{11}));
}

TEST(StoreFiles, AGarbageWalBesideASoundDatabaseIsMovedAsideAndTheRowsKept) {
  TempDir dir;
  make_store(dir, 10);
  std::string garbage(64 * 1024, '\0');
  for (std::size_t i = 0; i < garbage.size(); ++i) {
    garbage[i] = static_cast<char>(i * 7919 % 251);
  }
  write_file(dir.path() / "queue.db-wal", garbage);
  QueueCore core(store_config(dir));
  EXPECT_EQ(core.counters().recoveries, 1u);
  std::vector<int> expected(10);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(numbers_in(core), expected);
  const auto moved = moved_aside(dir);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_NE(moved[0].filename().string().find("queue.db-wal.corrupt-"), std::string::npos);
  EXPECT_EQ(read_file(moved[0]), garbage) << "kept as it was, for whoever looks into it";
}

TEST(StoreFiles, AWalOfAnUnknownVersionIsMovedAsideNotFatal) {
  TempDir dir;
  make_store(dir, 3);
  // A WAL header with the right magic but another format version: SQLite
  // refuses to open the database beside it.
  std::string header(32, '\0');
  const unsigned char magic[8] = {0x37, 0x7f, 0x06, 0x82, 0x00, 0x2d, 0xe2, 0x19};
  std::copy(std::begin(magic), std::end(magic), header.begin());
  write_file(dir.path() / "queue.db-wal", header + std::string(4096, 'w'));
  QueueCore core(store_config(dir));
  EXPECT_EQ(core.counters().recoveries, 1u);
  EXPECT_EQ(core.counters().rows, 3u);
}

TEST(StoreFiles, AHalfDatabaseIsMovedAside) {
  TempDir dir;
  {
    QueueCore core(store_config(dir));
    core.append(numbered_range(0, 5000));
    core.maintain();
  }
  const fs::path db = dir.path() / "queue.db";
  fs::resize_file(db, fs::file_size(db) / 2);
  QueueCore core(store_config(dir));
  EXPECT_EQ(core.counters().recoveries, 1u);
  EXPECT_EQ(core.counters().rows, 0u);
  EXPECT_EQ(core.append(numbered_range(0, 1)).seqs, (std::vector<Seq>{1}));
  EXPECT_EQ(moved_aside(dir).size(), 1u);
}

TEST(StoreFiles, AZeroedHeaderIsMovedAside) {
  TempDir dir;
  make_store(dir, 100);
  {
    std::fstream f(dir.path() / "queue.db", std::ios::in | std::ios::out | std::ios::binary);
    const std::string zeros(100, '\0');
    f.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
  }
  QueueCore core(store_config(dir));
  EXPECT_EQ(core.counters().recoveries, 1u);
  EXPECT_EQ(core.counters().rows, 0u);
  EXPECT_EQ(core.append(numbered_range(0, 1)).accepted, 1u);
}

TEST(StoreFiles, AnUnreachableDirectoryIsAnErrorNotARecovery) {
  TempDir dir;
  config::Store cfg;
  cfg.path = dir.path() / "missing" / "queue.db";
  EXPECT_THROW(QueueCore core(cfg), std::exception);
  EXPECT_TRUE(moved_aside(dir).empty());
}

// Appends batches of 50 until `stop` says so or 400 batches passed.
template <typename Stop>
int append_until(QueueCore& core, int& next, Stop stop) {
  int batches = 0;
  while (batches < 400 && !stop()) {
    core.append(numbered_range(next, 50));
    next += 50;
    ++batches;
  }
  return batches;
}

TEST(StoreFiles, DiskFullUnderDropOldestKeepsAcceptingByEvicting) {
  TempDir dir;
  CoreOptions options;
  options.max_page_count = 60;
  options.window = 1'000'000;
  QueueCore core(store_config(dir), options);
  int next = 0;
  append_until(core, next, [&] { return core.counters().disk_full; });
  ASSERT_TRUE(core.counters().disk_full);
  const Counters at_full = core.counters();
  EXPECT_GT(at_full.disk_full_events, 0u);
  EXPECT_GT(at_full.evicted, 0u);
  for (int i = 0; i < 20; ++i) {
    const AppendResult r = core.append(numbered_range(next, 50));
    next += 50;
    EXPECT_EQ(r.accepted, 50u) << "drop_oldest keeps the newest messages";
  }
  const auto messages = core.fetch(1'000'000);
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(number_of(messages.back()), next - 1);
  for (std::size_t i = 1; i < messages.size(); ++i) {
    EXPECT_LT(messages[i - 1].seq, messages[i].seq);
  }
  EXPECT_EQ(core.counters().rows, messages.size());
}

TEST(StoreFiles, DiskFullUnderDropNewestRefusesAndRecoversAfterAcks) {
  TempDir dir;
  auto cfg = store_config(dir);
  cfg.overflow = config::Overflow::drop_newest;
  CoreOptions options;
  options.max_page_count = 60;
  options.window = 1'000'000;
  QueueCore core(cfg, options);
  int next = 0;
  append_until(core, next, [&] { return core.counters().disk_full; });
  ASSERT_TRUE(core.counters().disk_full);
  const std::uint64_t rows = core.counters().rows;
  const AppendResult refused = core.append(numbered_range(next, 50));
  EXPECT_EQ(refused.accepted, 0u);
  EXPECT_EQ(refused.seqs, std::vector<Seq>(50, 0));
  EXPECT_EQ(core.counters().rows, rows) << "what was accepted stays";
  const auto messages = core.fetch(1'000'000);
  ASSERT_EQ(messages.size(), rows);
  EXPECT_EQ(number_of(messages.front()), 0);
  for (const Message& m : messages) {
    core.ack(m.seq);
  }
  const AppendResult after = core.append(numbered_range(next, 50));
  EXPECT_EQ(after.accepted, 50u);
  EXPECT_FALSE(core.counters().disk_full);
  EXPECT_EQ(core.counters().rows, 50u);
}

}  // namespace
}  // namespace iotgw::bridge::store::test
