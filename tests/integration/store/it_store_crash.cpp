// Crash loop (STYLE "In this project" 9): a child process appends and acks at
// full speed and is SIGKILLed at a random moment, at least 200 times. After
// every kill the database must pass integrity_check and hold every message
// the child was told was accepted and had not acked, intact and in order.
#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <poll.h>
#include <random>
#include <set>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "bridge/store/queue_core.hpp"
#include "tests/integration/store/crash_record.hpp"
#include "tests/unit/bridge/store/store_test_support.hpp"

namespace iotgw::bridge::store {
namespace {

using namespace std::chrono_literals;

int iterations() {
  const char* env = std::getenv("IOTGW_CRASH_ITERATIONS");
  return env != nullptr ? std::atoi(env) : 200;
}

// What the parent knows from the child's reports, over all runs.
struct Ledger {
  std::set<Seq> expected;  // accepted and not acked: must be in the database
  Seq highest_accepted = 0;
  std::uint64_t accepted = 0;
  std::uint64_t acked = 0;

  // Applies complete records from `buffer` and keeps a partial tail.
  void consume(std::vector<char>& buffer) {
    std::size_t at = 0;
    for (; at + crash::record_size <= buffer.size(); at += crash::record_size) {
      Seq seq = 0;
      std::memcpy(&seq, buffer.data() + at + 1, sizeof seq);
      if (buffer[at] == static_cast<char>(crash::Kind::accepted)) {
        ASSERT_GT(seq, highest_accepted) << "sequence numbers must only grow, also across crashes";
        highest_accepted = seq;
        expected.insert(seq);
        ++accepted;
      } else {
        ASSERT_EQ(buffer[at], static_cast<char>(crash::Kind::acked));
        expected.erase(seq);
        ++acked;
      }
    }
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(at));
  }
};

// Starts the child with the write end of a pipe; returns its pid and the read end.
std::pair<pid_t, int> spawn_child(const std::filesystem::path& db, std::uint64_t seed, bool full) {
  int fds[2];
  EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  const std::string fd_text = std::to_string(fds[1]);
  const std::string seed_text = std::to_string(seed);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::fcntl(fds[1], F_SETFD, 0);  // the write end survives exec
    const char* args[] = {STORE_CRASH_CHILD,        db.c_str(), fd_text.c_str(), seed_text.c_str(),
                          full ? "full" : "normal", nullptr};
    ::execv(STORE_CRASH_CHILD, const_cast<char* const*>(args));
    ::_exit(127);
  }
  ::close(fds[1]);
  return {pid, fds[0]};
}

// Reads reports until `deadline`, SIGKILLs the child, reads the rest.
void run_and_kill(pid_t pid, int fd, std::chrono::steady_clock::time_point deadline,
                  Ledger& ledger) {
  std::vector<char> buffer;
  char chunk[65536];
  bool killed = false;
  for (;;) {
    int timeout_ms = -1;
    if (!killed) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        ::kill(pid, SIGKILL);
        killed = true;
      } else {
        timeout_ms = static_cast<int>(left.count());
      }
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) == 0) {
      continue;
    }
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) {
      break;  // EOF: the child is gone
    }
    buffer.insert(buffer.end(), chunk, chunk + n);
    ledger.consume(buffer);
  }
  ::close(fd);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the child ended by itself, status " << status;
  EXPECT_TRUE(buffer.empty()) << "a torn record";
}

// Opens the database as the next start would see it (WAL replayed) without
// checkpointing on close, and checks it against the ledger.
void verify(const std::filesystem::path& db_path, const Ledger& ledger, std::uint64_t& rows_seen) {
  rows_seen = 0;
  if (!std::filesystem::exists(db_path)) {
    ASSERT_TRUE(ledger.expected.empty()) << "killed before the database existed";
    return;
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "ok");
  sqlite3_finalize(stmt);

  if (sqlite3_prepare_v2(db, "SELECT seq, topic, payload FROM messages ORDER BY seq", -1, &stmt,
                         nullptr) != SQLITE_OK) {
    // Killed while the first start was still creating the schema.
    EXPECT_TRUE(ledger.expected.empty()) << sqlite3_errmsg(db);
    sqlite3_close(db);
    return;
  }
  auto next_expected = ledger.expected.begin();
  Seq previous = 0;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    const auto seq = static_cast<Seq>(sqlite3_column_int64(stmt, 0));
    const std::string topic(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)),
                            static_cast<std::size_t>(sqlite3_column_bytes(stmt, 1)));
    const auto* blob = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt, 2));
    const std::vector<std::uint8_t> payload(blob, blob + sqlite3_column_bytes(stmt, 2));
    ASSERT_GT(seq, previous);
    ASSERT_TRUE(crash::verifies(topic, payload)) << "row " << seq << " is not intact";
    ASSERT_FALSE(next_expected != ledger.expected.end() && *next_expected < seq)
        << "accepted message " << *next_expected << " is missing";
    if (next_expected != ledger.expected.end() && *next_expected == seq) {
      ++next_expected;
    }
    previous = seq;
    ++rows_seen;
  }
  sqlite3_finalize(stmt);
  EXPECT_TRUE(next_expected == ledger.expected.end())
      << "accepted message " << *next_expected << " is missing (beyond the last row)";
  sqlite3_close(db);
}

TEST(StoreCrash, EveryAcceptedUnackedMessageSurvivesSigkill) {
  test::TempDir dir;
  const auto db = dir.path() / "queue.db";
  std::mt19937_64 rng(std::random_device{}());
  const std::uint64_t seed = rng();
  SCOPED_TRACE("seed " + std::to_string(seed));
  rng.seed(seed);
  Ledger ledger;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations(); ++i) {
    SCOPED_TRACE("iteration " + std::to_string(i));
    // Most kills land while appending; some during the open and recovery.
    const auto run_for = std::chrono::microseconds(
        i % 10 == 0 ? std::uniform_int_distribution<int>(0, 3'000)(rng)
                    : std::uniform_int_distribution<int>(3'000, 80'000)(rng));
    const auto [pid, fd] = spawn_child(db, rng(), i % 5 == 4);
    run_and_kill(pid, fd, std::chrono::steady_clock::now() + run_for, ledger);
    if (::testing::Test::HasFatalFailure()) {
      return;
    }
    std::uint64_t rows = 0;
    verify(db, ledger, rows);
    if (::testing::Test::HasFatalFailure()) {
      return;
    }
    if (i % 20 == 19) {
      // The store itself opens it as it is, with no recovery needed.
      config::Store cfg;
      cfg.path = db;
      QueueCore core(cfg);
      EXPECT_EQ(core.counters().recoveries, 0u);
      EXPECT_EQ(core.counters().rows, rows);
    }
  }
  const auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("%d kills in %.1f s: %llu accepted, %llu acked, %zu expected at the end\n",
              iterations(), seconds, static_cast<unsigned long long>(ledger.accepted),
              static_cast<unsigned long long>(ledger.acked), ledger.expected.size());
  // At least one accepted message per run on average, also in a sanitizer build.
  EXPECT_GE(ledger.accepted, static_cast<std::uint64_t>(iterations()))
      << "the child should have made real progress";
}

}  // namespace
}  // namespace iotgw::bridge::store
