#include "bridge/store/queue_core.hpp"

#include <algorithm>
#include <fcntl.h>
#include <limits>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <system_error>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "bridge/store/db_files.hpp"
#include "config/names.hpp"

namespace iotgw::bridge::store {

namespace {

constexpr std::int64_t schema_version = 1;
constexpr auto evict_log_interval = std::chrono::seconds(10);
constexpr auto full_probe_interval = std::chrono::seconds(60);
constexpr auto full_log_interval = std::chrono::seconds(60);
// Bounds of the reserve when it is sized from the file system.
constexpr std::int64_t min_reserve = 64 * 1024;
constexpr std::int64_t max_reserve = 8 * 1024 * 1024;
// Rounds of vacuum, checkpoint and (drop_oldest) eviction after a full disk.
constexpr int regain_rounds = 8;
// Attempts of a transaction refused for a full disk, and the smallest number
// of acknowledged rows one deleting transaction is cut down to.
constexpr int full_attempts = 4;
constexpr std::size_t min_delete_chunk = 16;
constexpr std::size_t all_acked = std::numeric_limits<std::size_t>::max();

// seq is the INTEGER PRIMARY KEY (the rowid): the queue order. size caches
// length(topic) + length(payload) in bytes so bounds never read the blobs.
// backfill is 1 for a reading taken while the uplink was down (its lane).
// boot (a number from boots), boot_ns (CLOCK_BOOTTIME) and clock (WallClock)
// say when the reading was taken by the boot's own clock and how the wall
// clock stood then; boot 0 is a row from before these columns.
// meta.last_seq keeps sequence numbers increasing after the queue ran empty.
// user_version changes only with a change that older versions cannot read:
// they name every column they use, so a column added with a default is not
// one, and a queue can go back to an older version with its rows.
constexpr const char* schema_sql = R"sql(
BEGIN IMMEDIATE;
CREATE TABLE messages(
  seq INTEGER PRIMARY KEY,
  enqueued INTEGER NOT NULL,
  qos INTEGER NOT NULL,
  retain INTEGER NOT NULL,
  size INTEGER NOT NULL,
  topic TEXT NOT NULL,
  payload BLOB NOT NULL,
  backfill INTEGER NOT NULL DEFAULT 0,
  boot INTEGER NOT NULL DEFAULT 0,
  boot_ns INTEGER NOT NULL DEFAULT 0,
  clock INTEGER NOT NULL DEFAULT 0);
CREATE TABLE boots(n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
CREATE TABLE meta(id INTEGER PRIMARY KEY CHECK (id = 1), last_seq INTEGER NOT NULL);
INSERT INTO meta VALUES(1, 0);
PRAGMA user_version = 1;
COMMIT;
)sql";

// Queues written before the backfill column: their rows were all live.
// Adding a column with a constant default rewrites no row, so this is
// instant at any size.
constexpr const char* add_backfill_sql =
    "ALTER TABLE messages ADD COLUMN backfill INTEGER NOT NULL DEFAULT 0";
// Queues written before the clock columns: their rows were all stamped as
// synchronised.
constexpr const char* add_clock_sql = R"sql(
BEGIN IMMEDIATE;
ALTER TABLE messages ADD COLUMN boot INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN boot_ns INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN clock INTEGER NOT NULL DEFAULT 0;
CREATE TABLE boots(n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
COMMIT;
)sql";

// Held messages are read and stamped anew this many at a time.
constexpr std::size_t release_chunk = 512;

std::int64_t to_millis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::chrono::system_clock::time_point from_millis(std::int64_t ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

// Runs `stage` in one write transaction and commits it. False when the disk
// was full (the transaction rolled back); any other failure is thrown.
template <typename Stage>
bool commit_unless_full(sqlite::Connection& db, Stage&& stage) {
  try {
    sqlite::Transaction tx(db);
    stage();
    tx.commit();
    return true;
  } catch (const sqlite::Error& e) {
    if (e.primary() != SQLITE_FULL) {
      throw;
    }
    return false;
  }
}

// With store.sync = "full", a transaction that only deletes (acknowledged
// rows, evictions) commits without an fsync while this lives: a power cut
// that loses it brings back rows already delivered, as duplicates, and loses
// no reading. The log it wrote is synced by the next appending commit or
// checkpoint.
class DeletesUnsynced {
 public:
  DeletesUnsynced(sqlite::Connection& db, bool full) : db_(full ? &db : nullptr) {
    if (db_ != nullptr) {
      db_->exec("PRAGMA synchronous = NORMAL");
    }
  }
  ~DeletesUnsynced() {
    if (db_ == nullptr) {
      return;
    }
    try {
      db_->exec("PRAGMA synchronous = FULL");
    } catch (const sqlite::Error& e) {
      spdlog::error("store: cannot set synchronous = FULL again: {}", e.what());
    }
  }
  DeletesUnsynced(const DeletesUnsynced&) = delete;
  DeletesUnsynced& operator=(const DeletesUnsynced&) = delete;

 private:
  sqlite::Connection* db_;
};

}  // namespace

// What one transaction changes, applied to the members only once it committed.
struct QueueCore::Staged {
  std::uint64_t rows;
  std::uint64_t bytes;
  std::vector<bool> accept;
  std::vector<Seq> seqs;
  std::uint64_t accepted = 0;
  std::uint64_t acked = 0;
  std::uint64_t evicted = 0;
  bool cap_lifted = false;  // this transaction ignores full_cap_
  // Set when only the acks up to this sequence number were deleted.
  std::optional<Seq> deleted_through = std::nullopt;
};

QueueCore::QueueCore(const config::Store& cfg, CoreOptions options)
    : cfg_(cfg), options_(options), path_(cfg.path), vfs_(std::make_unique<CountingVfs>()) {
  open();
}

QueueCore::~QueueCore() {
  close();
}

// Statements first, then the connection (whose close checkpoints and removes
// the WAL); the VFS it was opened with outlives both.
void QueueCore::close() {
  insert_ = {};
  range_size_ = {};
  delete_range_ = {};
  oldest_sizes_ = {};
  oldest_time_ = {};
  fetch_ = {};
  set_last_seq_ = {};
  held_rows_ = {};
  restamp_row_ = {};
  db_.close();
}

// Opens the file; if it is not a readable iotgw queue, moves it aside (with
// its WAL) and starts an empty one, so a damaged file cannot crash-loop the
// service. Other errors (permissions, a missing directory) are thrown.
void QueueCore::open() {
  set_aside_unfit_files();
  for (int attempt = 0;; ++attempt) {
    make_private(path_);
    try {
      if (!looks_like_sqlite(path_)) {
        throw sqlite::Error(SQLITE_NOTADB, "no SQLite header");
      }
      db_ = sqlite::Connection(
          path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, vfs_->name());
      configure(attempt == 0);
      prepare();
      load_state();
      size_reserve();
      return;
    } catch (const sqlite::Error& e) {
      if (!sqlite::is_corruption(e.code()) || attempt > 0) {
        throw;
      }
      close();
      const auto moved = move_aside(path_, std::chrono::system_clock::now());
      ++counters_.recoveries;
      spdlog::error(
          "store: {} is not a readable queue database ({}); moved it to {} and started an EMPTY "
          "queue: the messages in it were not forwarded",
          path_.string(), e.what(), moved.string());
    }
  }
}

// What SQLite must not be given is moved aside before it opens anything: a
// directory, a link or anything else that is not a regular file where the
// database is goes aside with its companions (a link is renamed, never
// written through); a companion of a database that looks sound goes aside
// alone, and the rows in the database are kept.
void QueueCore::set_aside_unfit_files() {
  const std::vector<FileProblem> problems = inspect_files(path_);
  if (problems.empty()) {
    return;
  }
  const auto now = std::chrono::system_clock::now();
  if (problems.front().file == path_) {
    const auto moved = move_aside(path_, now);
    ++counters_.recoveries;
    spdlog::error("store: {} {}, not a queue database; moved it to {} and started an EMPTY queue",
                  path_.string(), problems.front().what, moved.string());
    return;
  }
  if (!looks_like_sqlite(path_)) {
    return;  // open() moves it aside with all of its files
  }
  for (const FileProblem& problem : problems) {
    const auto moved = move_one_aside(problem.file, now);
    ++counters_.recoveries;
    spdlog::error("store: {} {}; moved it to {}; the queue keeps the rows in {}",
                  problem.file.string(), problem.what, moved.string(), path_.string());
  }
}

// Pragmas, verification and schema. page_size and auto_vacuum only take
// effect before the first table exists, so they come first.
void QueueCore::configure(bool verify) {
  db_.exec("PRAGMA busy_timeout = 2000");
  db_.exec(("PRAGMA page_size = " + std::to_string(options_.page_size)).c_str());
  db_.exec("PRAGMA auto_vacuum = INCREMENTAL");
  if (db_.query_text("PRAGMA journal_mode = WAL") != "wal") {
    throw sqlite::Error(SQLITE_CANTOPEN, "store: cannot switch " + path_.string() + " to WAL");
  }
  db_.exec(cfg_.sync == config::Sync::full ? "PRAGMA synchronous = FULL"
                                           : "PRAGMA synchronous = NORMAL");
  db_.exec(("PRAGMA journal_size_limit = " + std::to_string(options_.journal_size_limit)).c_str());
  db_.exec("PRAGMA temp_store = MEMORY");
  // Debian's SQLite zeroes every page a delete frees (SQLITE_SECURE_DELETE),
  // which writes each deleted row's page to the log once more: twice the
  // wear for every acknowledged row, and on a full disk a delete that
  // cannot fit. FAST zeroes deleted content only where the page is written
  // anyway.
  db_.exec("PRAGMA secure_delete = FAST");
  if (options_.max_page_count > 0) {
    db_.exec(("PRAGMA max_page_count = " + std::to_string(options_.max_page_count)).c_str());
  }
  if (verify && options_.verify_on_open) {
    const std::string verdict = db_.query_text("PRAGMA quick_check");
    if (verdict != "ok") {
      throw sqlite::Error(SQLITE_CORRUPT, "quick_check: " + verdict);
    }
  }
  migrate(db_.query_int("PRAGMA user_version"));
  if (db_.query_int("PRAGMA auto_vacuum") != 2) {
    spdlog::warn("store: {} was created without incremental auto_vacuum; freed pages stay in it",
                 path_.string());
  }
  // Checkpoints are ours (after_commit, maintain): the hook replaces SQLite's
  // automatic checkpoint, which would sync on every 1000 WAL pages.
  sqlite3_wal_hook(db_.get(), &QueueCore::on_wal, this);
}

// Creates the schema in an empty file and brings an older one up to date. A
// newer one is refused and the file left alone: it holds readings that only a
// newer iotgw can forward. Anything else is not a queue (moved aside by open()).
void QueueCore::migrate(std::int64_t version) {
  if (version == 0 && db_.query_int("SELECT count(*) FROM sqlite_schema") == 0) {
    db_.exec(schema_sql);
    return;
  }
  const bool queue_tables =
      db_.query_int(
          "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
          "('messages', 'meta')") == 2;
  if (version > schema_version && queue_tables) {
    throw sqlite::Error(SQLITE_CANTOPEN,
                        path_.string() + " was written by a newer iotgw (queue version " +
                            std::to_string(version) + ", this one knows " +
                            std::to_string(schema_version) +
                            "): run the newer version until the queue is empty, or move the file "
                            "away");
  }
  if (version != schema_version || !queue_tables) {
    throw sqlite::Error(SQLITE_NOTADB,
                        "not an iotgw queue (user_version " + std::to_string(version) + ")");
  }
  if (db_.query_int("SELECT count(*) FROM pragma_table_info('messages') WHERE name = "
                    "'backfill'") == 0) {
    add_backfill_column();
  }
  if (db_.query_int("SELECT count(*) FROM pragma_table_info('messages') WHERE name = "
                    "'clock'") == 0) {
    add_clock_columns();
  }
}

void QueueCore::add_clock_columns() {
  try {
    db_.exec(add_clock_sql);
  } catch (const sqlite::Error& e) {
    db_.exec("ROLLBACK");
    if (e.primary() != SQLITE_FULL) {
      throw;
    }
    std::error_code no_reserve;  // as for the backfill column
    std::filesystem::resize_file(path_.string() + "-reserve", 0, no_reserve);
    db_.exec(add_clock_sql);
  }
  spdlog::info("store: {} given the clock columns", path_.string());
}

// On a full disk the reserve a previous run left is given up for it: the
// store could not open otherwise.
void QueueCore::add_backfill_column() {
  try {
    db_.exec(add_backfill_sql);
  } catch (const sqlite::Error& e) {
    if (e.primary() != SQLITE_FULL) {
      throw;
    }
    std::error_code no_reserve;  // then the retry fails as the first try did
    std::filesystem::resize_file(path_.string() + "-reserve", 0, no_reserve);
    db_.exec(add_backfill_sql);
  }
  spdlog::info("store: {} given the backfill column", path_.string());
}

void QueueCore::prepare() {
  insert_ = sqlite::Statement(db_,
                              "INSERT INTO messages(seq, enqueued, qos, retain, size, topic, "
                              "payload, backfill, boot, boot_ns, clock) "
                              "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  range_size_ = sqlite::Statement(
      db_, "SELECT count(*), coalesce(sum(size), 0) FROM messages WHERE seq BETWEEN ? AND ?");
  delete_range_ = sqlite::Statement(db_, "DELETE FROM messages WHERE seq BETWEEN ? AND ?");
  oldest_sizes_ =
      sqlite::Statement(db_, "SELECT seq, size FROM messages WHERE seq > ? ORDER BY seq");
  oldest_time_ = sqlite::Statement(db_, "SELECT seq, enqueued FROM messages ORDER BY seq LIMIT 1");
  fetch_ = sqlite::Statement(db_,
                             "SELECT seq, enqueued, qos, retain, backfill, topic, payload FROM "
                             "messages WHERE seq BETWEEN ? AND ? ORDER BY seq");
  set_last_seq_ = sqlite::Statement(db_, "UPDATE meta SET last_seq = ? WHERE id = 1");
  held_rows_ =
      sqlite::Statement(db_,
                        "SELECT seq, boot, boot_ns, enqueued, topic, payload FROM messages "
                        "WHERE seq >= ? AND clock = 1 ORDER BY seq LIMIT ?");
  restamp_row_ = sqlite::Statement(
      db_, "UPDATE messages SET enqueued = ?, size = ?, payload = ?, clock = ? WHERE seq = ?");
}

// Depth and the next sequence number from what is on disk.
void QueueCore::load_state() {
  sqlite::Statement depth(
      db_, "SELECT count(*), coalesce(sum(size), 0), coalesce(max(seq), 0) FROM messages");
  depth.step();
  rows_ = static_cast<std::uint64_t>(depth.column_int(0));
  bytes_ = static_cast<std::uint64_t>(depth.column_int(1));
  const auto max_seq = static_cast<Seq>(depth.column_int(2));
  const auto last_seq = static_cast<Seq>(db_.query_int("SELECT last_seq FROM meta WHERE id = 1"));
  last_seq_stored_ = last_seq;
  next_seq_ = std::max(max_seq, last_seq) + 1;
  load_lanes();
  register_boot();
  load_held();
  refresh_oldest();
}

// This boot's number, for the rows it writes.
void QueueCore::register_boot() {
  if (options_.boot_id.empty()) {
    boot_ = 0;
    return;
  }
  sqlite::Statement add(db_, "INSERT OR IGNORE INTO boots(id) VALUES(?)");
  add.bind_text(1, options_.boot_id).step();
  sqlite::Statement number(db_, "SELECT n FROM boots WHERE id = ?");
  number.bind_text(1, options_.boot_id);
  number.step();
  boot_ = number.column_int(0);
}

// Held rows of an earlier boot can never be corrected: the boot clock they
// were taken by is gone. They go out now, marked; this boot's wait on.
void QueueCore::load_held() {
  held_from_.reset();
  held_ =
      static_cast<std::uint64_t>(db_.query_int("SELECT count(*) FROM messages WHERE clock = 1"));
  if (held_ == 0) {
    return;
  }
  held_from_ = static_cast<Seq>(db_.query_int("SELECT min(seq) FROM messages WHERE clock = 1"));
  const std::int64_t boot = boot_;
  const std::uint64_t released = release_rows([boot](std::int64_t row_boot, auto) {
    return Release{.now = row_boot != boot || boot == 0, .wall_minus_boot = std::nullopt};
  });
  if (released > 0) {
    spdlog::warn(
        "store: {} readings were taken in an earlier boot before the clock was synchronised; "
        "they go out with the time they had, marked \"clock\":\"unsynced\"",
        released);
  }
}

std::uint64_t QueueCore::release_held(const ClockRelease& release) {
  if (release.wall_minus_boot) {
    wall_minus_boot_ = release.wall_minus_boot;
  }
  if (!held_from_) {
    return 0;
  }
  const Decide decide = [&release](std::int64_t, std::chrono::nanoseconds boot_time) {
    return Release{.now = release.wall_minus_boot || boot_time < release.taken_before,
                   .wall_minus_boot = release.wall_minus_boot};
  };
  const std::uint64_t written = release_rows(decide);
  return written + release_unwritten(decide);
}

// The held rows written so far, in order, until one stays held. One
// transaction: a crash leaves them all held, to be released again.
std::uint64_t QueueCore::release_rows(const Decide& decide) {
  struct Row {
    Seq seq;
    Message message;
    Release release;
  };
  std::uint64_t released = 0;
  std::int64_t bytes_change = 0;
  std::optional<sqlite::Transaction> transaction;  // opened by the first row released
  Seq from = *held_from_;
  std::optional<Seq> stayed;
  while (!stayed && from < first_unwritten()) {
    std::vector<Row> rows;
    held_rows_.reset();
    held_rows_.bind(1, static_cast<std::int64_t>(from))
        .bind(2, static_cast<std::int64_t>(release_chunk));
    while (held_rows_.step()) {
      const Release release =
          decide(held_rows_.column_int(1), std::chrono::nanoseconds(held_rows_.column_int(2)));
      if (!release.now) {
        stayed = static_cast<Seq>(held_rows_.column_int(0));
        break;
      }
      Row& row = rows.emplace_back();
      row.seq = static_cast<Seq>(held_rows_.column_int(0));
      row.release = release;
      row.message.boot_time = std::chrono::nanoseconds(held_rows_.column_int(2));
      row.message.enqueued = from_millis(held_rows_.column_int(3));
      row.message.topic = held_rows_.column_text(4);
      const auto payload = held_rows_.column_blob(5);
      row.message.payload.assign(payload.begin(), payload.end());
    }
    held_rows_.reset();
    if (rows.empty()) {
      break;
    }
    if (!transaction) {
      transaction.emplace(db_);
    }
    for (Row& row : rows) {
      const std::uint64_t size_before = row.message.size();
      settle(row.message, row.release);
      bytes_change +=
          static_cast<std::int64_t>(row.message.size()) - static_cast<std::int64_t>(size_before);
      restamp_row_.reset();
      restamp_row_.bind(1, to_millis(row.message.enqueued))
          .bind(2, static_cast<std::int64_t>(row.message.size()))
          .bind_blob(3, row.message.payload)
          .bind(4, static_cast<std::int64_t>(row.message.clock))
          .bind(5, static_cast<std::int64_t>(row.seq))
          .step();
      restamp_row_.reset();
    }
    released += rows.size();
    from = rows.back().seq + 1;
  }
  if (transaction) {
    transaction->commit();
  }
  bytes_ = static_cast<std::uint64_t>(static_cast<std::int64_t>(bytes_) + bytes_change);
  held_ -= std::min(held_, released);
  // What still waits: from the row that stayed, else among the unwritten.
  held_from_ = stayed;
  for (auto m = unwritten_.begin(); !held_from_ && m != unwritten_.end(); ++m) {
    if (m->clock == WallClock::held) {
      held_from_ = m->seq;
    }
  }
  if (!held_from_) {
    held_ = 0;
  }
  refresh_oldest();
  return released;
}

// The held messages not written yet: they are stamped in memory and written
// as they are now.
std::uint64_t QueueCore::release_unwritten(const Decide& decide) {
  if (!held_from_ || *held_from_ < first_unwritten()) {
    return 0;  // a written row still waits, and so does everything after it
  }
  std::uint64_t released = 0;
  const Seq base = first_unwritten();
  for (std::size_t i = *held_from_ > base ? *held_from_ - base : 0; i < unwritten_.size(); ++i) {
    Message& message = unwritten_[i];
    if (message.clock != WallClock::held) {
      continue;
    }
    const Release release = decide(boot_, message.boot_time);
    if (!release.now) {
      held_from_ = message.seq;
      held_ -= std::min(held_, released);
      return released;
    }
    settle(message, release);
    ++released;
  }
  held_ = 0;
  held_from_.reset();
  return released;
}

void QueueCore::settle(Message& message, const Release& release) {
  if (release.wall_minus_boot) {
    options_.restamp(message, std::chrono::system_clock::time_point(
                                  std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                      message.boot_time + *release.wall_minus_boot)));
    message.clock = WallClock::corrected;
    ++counters_.clock_corrected;
  } else {
    options_.restamp(message, std::nullopt);
    message.clock = WallClock::unsynchronised;
    ++counters_.clock_unsynchronised;
  }
}

// The runs of each lane, from the rows. With "fifo" all of them are one run
// of the live lane and need no reading.
void QueueCore::load_lanes() {
  lanes_.clear();
  if (cfg_.delivery == config::Delivery::fifo) {
    if (rows_ > 0) {
      lanes_.add(static_cast<Seq>(db_.query_int("SELECT min(seq) FROM messages")), Lane::live);
      lanes_.add(next_seq_ - 1, Lane::live);
    }
    return;
  }
  sqlite::Statement rows(db_, "SELECT seq, backfill FROM messages ORDER BY seq");
  while (rows.step()) {
    lanes_.add(static_cast<Seq>(rows.column_int(0)),
               rows.column_int(1) != 0 ? Lane::backfill : Lane::live);
  }
}

Lane QueueCore::lane_of(const Message& message) const {
  return message.backfill && cfg_.delivery == config::Delivery::live_first ? Lane::backfill
                                                                           : Lane::live;
}

Seq QueueCore::enqueue(Message message) {
  message.seq = next_seq_++;
  if (message.clock == WallClock::held) {
    if (wall_minus_boot_ && !held_from_) {
      // Taken before the clock was right, enqueued after: corrected at once.
      settle(message, {.now = true, .wall_minus_boot = wall_minus_boot_});
    } else {
      held_from_ = held_from_.value_or(message.seq);
      ++held_;
    }
  }
  lanes_.add(message.seq, lane_of(message));
  unwritten_.push_back(std::move(message));
  return unwritten_.back().seq;
}

AppendResult QueueCore::append(std::span<const Message> batch) {
  for (const Message& message : batch) {
    enqueue(message);
  }
  return commit();
}

// The messages the broker acknowledged before their commit were delivered:
// they count as appended and acknowledged, and are not written. A failure
// drops the rest, as it drops what the transaction held.
AppendResult QueueCore::commit() {
  std::vector<Message> enqueued = std::exchange(unwritten_, {});
  std::vector<Seq> seqs(enqueued.size());
  std::vector<Message> writing;
  std::vector<std::size_t> written_at;
  std::uint64_t delivered = 0;
  for (std::size_t i = 0; i < enqueued.size(); ++i) {
    seqs[i] = enqueued[i].seq;
    if (delivered_unwritten_.erase(enqueued[i].seq) > 0) {
      ++delivered;
    } else {
      written_at.push_back(i);
      writing.push_back(std::move(enqueued[i]));
    }
  }
  delivered_unwritten_.clear();
  counters_.appended += delivered;
  counters_.acked += delivered;
  AppendResult result = write(writing);
  for (std::size_t j = 0; j < written_at.size(); ++j) {
    seqs[written_at[j]] = result.seqs[j];
  }
  result.seqs = std::move(seqs);
  result.accepted += delivered;
  result.acked += delivered;
  return result;
}

AppendResult QueueCore::commit_acks() {
  AppendResult result{.seqs = {}, .accepted = 0, .acked = commit_deletes(all_acked).value_or(0)};
  after_commit();
  return result;
}

// One transaction (retried on a full disk) that writes `batch`, whose
// sequence numbers enqueue() gave, and deletes the acknowledged rows.
AppendResult QueueCore::write(std::span<const Message> batch) {
  if (batch.empty() && acked_.empty()) {
    return AppendResult{.seqs = std::vector<Seq>(batch.size(), 0)};
  }
  Attempt attempt{.delete_limit = full_cap_ || counters_.disk_full ? delete_chunk() : all_acked,
                  .with_inserts = !batch.empty()};
  for (;; ++attempt.number) {
    if (std::optional<Staged> staged = try_append(batch, attempt)) {
      return account_append(batch, std::move(*staged), attempt);
    }
    if (!adapt_to_full_disk(batch.size(), attempt)) {
      give_up_on_full_disk(batch.size());
      return AppendResult{.seqs = std::vector<Seq>(batch.size(), 0)};
    }
  }
}

// One write transaction as `attempt` says: what it staged once it committed,
// nothing when the disk refused it (and it rolled back).
std::optional<QueueCore::Staged> QueueCore::try_append(std::span<const Message> batch,
                                                       const Attempt& attempt) {
  Staged staged{rows_, bytes_, std::vector<bool>(batch.size(), false),
                std::vector<Seq>(batch.size(), 0)};
  const std::span<const Message> inserting =
      attempt.with_inserts ? batch : std::span<const Message>();
  const DeletesUnsynced unsynced(db_, syncs_fully() && inserting.empty());
  const bool committed = commit_unless_full(db_, [&] {
    stage_deletes(staged, attempt.delete_limit);
    stage_bounds(inserting, staged, attempt.extra_evict);
    stage_inserts(inserting, staged);
    stage_last_seq();
  });
  return committed ? std::optional(std::move(staged)) : std::nullopt;
}

// On SQLITE_FULL room is made (the reserve given up, the log checkpointed
// and truncated) and the transaction retried: under drop_oldest with old
// rows evicted to make room, and if that does not fit either with more of
// them evicted and their pages given back to the file system first; under
// drop_newest as it was if the reserve could be taken back; at last
// without the new messages, which are then dropped, and with the deletes
// in smaller transactions. False when nothing is left to try.
bool QueueCore::adapt_to_full_disk(std::size_t batch_size, Attempt& attempt) {
  note_disk_full();
  attempt.met_full = true;
  const bool first_time = !attempt.room_made;
  free_space_for_retry(attempt);
  if (!attempt.with_inserts) {
    return halve_deletes(attempt);
  }
  choose_retry(batch_size, attempt, first_time);
  return true;
}

// Room the first time (the reserve and the log); later, under drop_oldest,
// the oldest rows and their pages.
void QueueCore::free_space_for_retry(Attempt& attempt) {
  if (!attempt.room_made) {
    attempt.room_made = true;
    make_room();
  } else if (drops_oldest() && attempt.with_inserts && rows_ > 0) {
    shed_oldest(rows_ / 32 + 1);
  }
}

// Only deletes were tried: the next try deletes half as many, down to the
// smallest chunk. False when that was already the smallest.
bool QueueCore::halve_deletes(Attempt& attempt) const {
  if (acked_.empty() || attempt.delete_limit <= min_delete_chunk) {
    return false;
  }
  attempt.delete_limit = std::min(attempt.delete_limit, acked_.size()) / 2;
  return true;
}

// What the next try of a transaction with inserts does, by overflow policy.
void QueueCore::choose_retry(std::size_t batch_size, Attempt& attempt, bool first_time) {
  if (drops_oldest() && attempt.number < full_attempts && rows_ > 0) {
    attempt.extra_evict = std::max<std::uint64_t>(batch_size, rows_ / 32 + 1);
    return;
  }
  if (!drops_oldest() && first_time && hold_reserve()) {
    return;  // the truncated log gave back more than the reserve: try as it was
  }
  attempt.with_inserts = false;
  attempt.delete_limit = std::min(attempt.delete_limit, delete_chunk());
}

// Not even the deletes fit: nothing committed, acks stay pending, the batch
// is dropped and what is stored now is the bound until the probe.
void QueueCore::give_up_on_full_disk(std::size_t batch_size) {
  if (batch_size > 0) {
    note_evicted(batch_size, "disk full");
  }
  cap_at_current_rows();
}

// The transaction committed: state, counters and result follow what it
// staged; then the full-disk bookkeeping, and the deletes held back.
AppendResult QueueCore::account_append(std::span<const Message> batch, Staged staged,
                                       const Attempt& attempt) {
  const std::size_t batch_size = batch.size();
  rows_ = staged.rows;
  bytes_ = staged.bytes;
  last_seq_stored_ = next_seq_ - 1;
  forget_deleted(staged);
  ++counters_.commits;
  counters_.appended += staged.accepted;
  counters_.acked += staged.acked;
  const std::uint64_t rejected = batch_size - staged.accepted;
  if (staged.evicted + rejected > 0) {
    note_evicted(staged.evicted + rejected, attempt.met_full ? "disk full" : "store bound");
  }
  AppendResult result{
      .seqs = std::move(staged.seqs), .accepted = staged.accepted, .acked = staged.acked};
  settle_full_cap(attempt.met_full, staged.cap_lifted);
  if (!attempt.met_full && !full_cap_ && batch_size > 0 && counters_.disk_full) {
    counters_.disk_full = false;
    spdlog::warn("store: {}: disk space is back; appending normally again", path_.string());
  }
  refresh_oldest();
  after_commit();
  result.acked += delete_held_back(attempt.delete_limit);
  return result;
}

// After a commit that met a full disk: free pages back to the file system
// and the reserve back in place (under drop_oldest evicting more old rows if
// that takes it); what is left is the bound until the probe. After one that
// ignored that bound: the bound is gone.
void QueueCore::settle_full_cap(bool met_full, bool cap_lifted) {
  if (met_full) {
    regain_space();
    cap_at_current_rows();
  } else if (cap_lifted) {
    full_cap_.reset();
    if (!reserve_held_) {
      hold_reserve();
    }
  }
}

void QueueCore::cap_at_current_rows() {
  full_cap_ = rows_;
  full_since_ = std::chrono::steady_clock::now();
}

// Deletes held back to fit a full disk go in transactions of their own,
// each checkpointed before the next; the number deleted.
std::uint64_t QueueCore::delete_held_back(std::size_t limit) {
  std::uint64_t deleted = 0;
  for (std::size_t left = acked_.size(); left > 0; left = acked_.size()) {
    deleted += delete_acked(limit);
    if (acked_.size() == left) {
      break;  // refused by the disk: the next commit tries again
    }
  }
  return deleted;
}

bool QueueCore::syncs_fully() const {
  return cfg_.sync == config::Sync::full;
}

bool QueueCore::drops_oldest() const {
  return cfg_.overflow == config::Overflow::drop_oldest;
}

// Sequence numbers of messages delivered before their commit are kept only
// with the next transaction that writes: they were never rows, so one given
// again after a crash is never given to two rows.
void QueueCore::stage_last_seq() {
  if (last_seq_stored_ == next_seq_ - 1) {
    return;
  }
  set_last_seq_.reset();
  set_last_seq_.bind(1, static_cast<std::int64_t>(next_seq_ - 1)).step();
  set_last_seq_.reset();
}

// Deletes the acknowledged rows, one statement per run of consecutive
// sequence numbers (acks mostly come in order); acks for rows already gone
// cost nothing. At most `limit` of them, the lowest: a delete writes about
// as much log as the rows it deletes, which a full disk may not have room for.
void QueueCore::stage_deletes(Staged& staged, std::size_t limit) {
  if (acked_.empty()) {
    return;
  }
  std::vector<Seq> seqs(acked_.begin(), acked_.end());
  std::sort(seqs.begin(), seqs.end());
  if (seqs.size() > limit) {
    seqs.resize(std::max<std::size_t>(limit, 1));
    staged.deleted_through = seqs.back();
  }
  std::size_t first = 0;
  for (std::size_t i = 1; i <= seqs.size(); ++i) {
    if (i < seqs.size() && seqs[i] == seqs[i - 1] + 1) {
      continue;
    }
    range_size_.reset();
    range_size_.bind(1, static_cast<std::int64_t>(seqs[first]))
        .bind(2, static_cast<std::int64_t>(seqs[i - 1]))
        .step();
    const auto rows = static_cast<std::uint64_t>(range_size_.column_int(0));
    const auto bytes = static_cast<std::uint64_t>(range_size_.column_int(1));
    range_size_.reset();
    if (rows > 0) {
      delete_range(seqs[first], seqs[i - 1]);
      staged.rows -= rows;
      staged.bytes -= bytes;
      staged.acked += rows;
    }
    first = i;
  }
}

// Once its transaction committed: the acks whose rows it deleted are done.
void QueueCore::forget_deleted(const Staged& staged) {
  if (!staged.deleted_through) {
    acked_.clear();
    return;
  }
  boost::unordered::erase_if(acked_, [&](Seq seq) { return seq <= *staged.deleted_through; });
}

// One transaction deleting at most `limit` acknowledged rows, checkpointed
// after; the number deleted (0 also when the disk refused it).
std::uint64_t QueueCore::delete_acked(std::size_t limit) {
  const std::optional<std::uint64_t> deleted = commit_deletes(limit);
  if (deleted) {
    checkpoint(SQLITE_CHECKPOINT_PASSIVE);
  }
  return deleted.value_or(0);
}

// One transaction deleting at most `limit` acknowledged rows: the number
// deleted, nothing when the disk refused it.
std::optional<std::uint64_t> QueueCore::commit_deletes(std::size_t limit) {
  if (acked_.empty()) {
    return 0;
  }
  Staged staged{rows_, bytes_, {}, {}};
  const DeletesUnsynced unsynced(db_, syncs_fully());
  if (!commit_unless_full(db_, [&] { stage_deletes(staged, limit); })) {
    note_disk_full();
    return std::nullopt;
  }
  rows_ = staged.rows;
  bytes_ = staged.bytes;
  forget_deleted(staged);
  ++counters_.commits;
  counters_.acked += staged.acked;
  refresh_oldest();
  return staged.acked;
}

// Rows whose delete fits in a quarter of the reserve's log.
std::size_t QueueCore::delete_chunk() const {
  const std::uint64_t per_row = (rows_ > 0 ? bytes_ / rows_ : 64) + 64;
  return std::max<std::size_t>(min_delete_chunk,
                               static_cast<std::size_t>(room_unit() / 4 / per_row));
}

void QueueCore::delete_range(Seq first, Seq last) {
  delete_range_.reset();
  delete_range_.bind(1, static_cast<std::int64_t>(first))
      .bind(2, static_cast<std::int64_t>(last))
      .step();
  delete_range_.reset();
}

// Chooses which new messages are accepted and, under drop_oldest, evicts the
// oldest rows to make room (plus `extra_evict` rows after a full disk).
void QueueCore::stage_bounds(std::span<const Message> batch, Staged& staged,
                             std::uint64_t extra_evict) {
  std::uint64_t max_rows = cfg_.max_rows;
  const std::uint64_t max_bytes = cfg_.max_bytes;
  if (full_cap_) {
    staged.cap_lifted = staged.rows <= *full_cap_ / 2 ||
                        std::chrono::steady_clock::now() - full_since_ >= full_probe_interval;
    if (!staged.cap_lifted) {
      max_rows = std::min(max_rows, *full_cap_);
    }
  }
  if (cfg_.overflow == config::Overflow::drop_newest) {
    std::uint64_t rows = staged.rows;
    std::uint64_t bytes = staged.bytes;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const std::uint64_t size = batch[i].size();
      if (rows + 1 <= max_rows && bytes + size <= max_bytes) {
        staged.accept[i] = true;
        ++rows;
        bytes += size;
      }
    }
    return;
  }
  // drop_oldest: the newest messages of the batch win; a message larger than
  // the whole store can never be kept.
  std::uint64_t new_rows = 0;
  std::uint64_t new_bytes = 0;
  for (std::size_t i = batch.size(); i-- > 0;) {
    const std::uint64_t size = batch[i].size();
    if (size > max_bytes) {
      continue;
    }
    if (new_rows + 1 > max_rows || new_bytes + size > max_bytes) {
      break;
    }
    staged.accept[i] = true;
    ++new_rows;
    new_bytes += size;
  }
  const std::uint64_t excess_rows =
      staged.rows + new_rows > max_rows ? staged.rows + new_rows - max_rows : 0;
  const std::uint64_t excess_bytes =
      staged.bytes + new_bytes > max_bytes ? staged.bytes + new_bytes - max_bytes : 0;
  if (excess_rows > 0 || excess_bytes > 0 || extra_evict > 0) {
    stage_evict_oldest(staged, std::max(excess_rows, extra_evict), excess_bytes);
  }
}

// Deletes the oldest rows until at least `rows` rows and `bytes` bytes are
// freed: first the oldest not handed out yet, then, if that is not enough,
// those in flight. A row in flight is on its way to the broker; evicting it
// first would count as dropped a message that is delivered all the same.
void QueueCore::stage_evict_oldest(Staged& staged, std::uint64_t rows, std::uint64_t bytes) {
  std::uint64_t freed_rows = 0;
  std::uint64_t freed_bytes = 0;
  const auto enough = [&] { return freed_rows >= rows && freed_bytes >= bytes; };
  for (const bool spare_handed_out : {true, false}) {
    // Runs of consecutive rows to delete, collected first: a table is not
    // changed under a statement reading it.
    std::vector<Lanes::Range> doomed;
    bool in_run = false;
    oldest_sizes_.reset();
    oldest_sizes_.bind(1, std::int64_t{0});
    while (!enough() && oldest_sizes_.step()) {
      const auto seq = static_cast<Seq>(oldest_sizes_.column_int(0));
      if (spare_handed_out && handed_out(seq)) {
        in_run = false;
        continue;
      }
      if (in_run) {
        doomed.back().last = seq;
      } else {
        doomed.push_back({seq, seq});
        in_run = true;
      }
      freed_bytes += static_cast<std::uint64_t>(oldest_sizes_.column_int(1));
      ++freed_rows;
    }
    oldest_sizes_.reset();
    for (const Lanes::Range& range : doomed) {
      delete_range(range.first, range.last);
    }
    if (enough()) {
      break;
    }
  }
  staged.rows -= freed_rows;
  staged.bytes -= freed_bytes;
  staged.evicted += freed_rows;
}

bool QueueCore::handed_out(Seq seq) const {
  return in_flight_.contains(seq) || acked_.contains(seq);
}

void QueueCore::stage_inserts(std::span<const Message> batch, Staged& staged) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!staged.accept[i]) {
      continue;
    }
    const Message& m = batch[i];
    const Seq seq = m.seq;
    insert_.reset();
    insert_.bind(1, static_cast<std::int64_t>(seq))
        .bind(2, to_millis(m.enqueued))
        .bind(3, m.qos)
        .bind(4, m.retain ? 1 : 0)
        .bind(5, static_cast<std::int64_t>(m.size()))
        .bind_text(6, m.topic)
        .bind_blob(7, m.payload)
        .bind(8, m.backfill ? 1 : 0)
        .bind(9, boot_)
        .bind(10, static_cast<std::int64_t>(m.boot_time.count()))
        .bind(11, static_cast<std::int64_t>(m.clock))
        .step();
    insert_.reset();
    staged.seqs[i] = seq;
    ++staged.rows;
    staged.bytes += m.size();
    ++staged.accepted;
  }
}

void QueueCore::refresh_oldest() {
  oldest_time_.reset();
  if (oldest_time_.step()) {
    lanes_.drop_below(static_cast<Seq>(oldest_time_.column_int(0)));
    oldest_enqueued_ = from_millis(oldest_time_.column_int(1));
  } else {
    lanes_.drop_below(first_unwritten());
    oldest_enqueued_.reset();
  }
  oldest_time_.reset();
}

// Checkpoint (and give back free pages) once the WAL is large, at most once
// per checkpoint_min_interval so fsyncs stay rare under any load. Sooner
// only when space is short: while the disk is full (or the reserve cannot be
// held) the log is kept within the reserve's size, and once the free space
// gets close to what the log holds it is checkpointed at once, so that a
// checkpoint always fits in the space the reserve can give up.
void QueueCore::after_commit() {
  const auto now = std::chrono::steady_clock::now();
  bool due = wal_frames_ >= options_.checkpoint_frames &&
             now - last_checkpoint_ >= options_.checkpoint_min_interval;
  if (!due && (full_cap_ || !reserve_held_)) {
    due = std::int64_t{wal_frames_} * options_.page_size >= room_unit();
  }
  if (!due) {
    due = short_of_space();
  }
  if (!due) {
    return;
  }
  const std::int64_t free_pages = db_.query_int("PRAGMA freelist_count");
  if (free_pages >= options_.vacuum_free_pages &&
      free_pages * 4 >= db_.query_int("PRAGMA page_count")) {
    vacuum();
  }
  if (!checkpoint(SQLITE_CHECKPOINT_PASSIVE) && checkpoint_met_full_) {
    // The database file could not grow by what the log holds.
    note_disk_full();
    if (make_room()) {
      regain_space();
    }
    full_cap_ = rows_;
    full_since_ = now;
  }
}

// incremental_vacuum frees one page per step: it must be stepped to the end.
// `pages` bounds how many are given back (0: all of them). False when it
// failed (rolled back); a full disk is the caller's to handle.
bool QueueCore::vacuum(std::int64_t pages) {
  try {
    sqlite::Statement statement(
        db_, pages > 0 ? "PRAGMA incremental_vacuum(" + std::to_string(pages) + ")"
                       : std::string("PRAGMA incremental_vacuum"));
    while (statement.step()) {
    }
    return true;
  } catch (const sqlite::Error& e) {
    if (e.primary() != SQLITE_FULL) {
      spdlog::warn("store: incremental vacuum of {} failed: {}", path_.string(), e.what());
    }
    return false;
  }
}

// True when the log was checkpointed whole (and reset, or truncated).
bool QueueCore::checkpoint(int mode) {
  int wal_pages = 0;
  int copied = 0;
  const int rc = sqlite3_wal_checkpoint_v2(db_.get(), nullptr, mode, &wal_pages, &copied);
  last_checkpoint_ = std::chrono::steady_clock::now();
  checkpoint_met_full_ = (rc & 0xff) == SQLITE_FULL;
  if (rc != SQLITE_OK) {
    if (!checkpoint_met_full_) {
      spdlog::warn("store: checkpoint of {} failed: {}", path_.string(), sqlite3_errstr(rc));
    }
    return false;
  }
  ++counters_.checkpoints;
  if (wal_pages != copied) {
    return false;
  }
  wal_frames_ = 0;
  space_check_at_ = room_unit() / 2;
  return true;
}

void QueueCore::maintain() {
  if (db_.query_int("PRAGMA freelist_count") > 0) {
    vacuum();
  }
  checkpoint(SQLITE_CHECKPOINT_TRUNCATE);
  if (!reserve_held_) {
    hold_reserve();
  }
  // The page cache a drain filled is read again only by the next one.
  sqlite3_db_release_memory(db_.get());
}

// A full disk. SQLite's write-ahead log grows at the end of the file while
// the checkpoint copies it into the database, which may have to grow too;
// deleting rows only writes more log, so on a full disk nothing can be
// deleted, checkpointed or appended. The way out is space set aside in
// advance: "<path>-reserve", a file of reserve_bytes_ kept allocated. When
// the disk is full it is given up, the log is checkpointed into the
// database and truncated (make_room), the transaction retried under the
// overflow policy, and afterwards free pages go back to the file system and
// the reserve is taken again (regain_space). For a checkpoint to fit in the
// reserve, the log must not hold more than it: after_commit keeps it so.

std::int64_t QueueCore::room_unit() const {
  return std::max<std::int64_t>(reserve_bytes_, min_reserve);
}

// Sizes the reserve from the file system it lives on and takes it.
void QueueCore::size_reserve() {
  reserve_path_ = path_.string() + "-reserve";
  if (options_.reserve_bytes >= 0) {
    reserve_bytes_ = options_.reserve_bytes;
  } else {
    struct statvfs fs {};
    const auto dir = path_.has_parent_path() ? path_.parent_path() : std::filesystem::path(".");
    const std::int64_t total =
        ::statvfs(dir.c_str(), &fs) == 0 ? static_cast<std::int64_t>(fs.f_blocks * fs.f_frsize) : 0;
    reserve_bytes_ = std::clamp<std::int64_t>(total / 16, min_reserve, max_reserve);
  }
  reserve_bytes_ -= reserve_bytes_ % options_.page_size;
  space_check_at_ = room_unit() / 2;
  if (!hold_reserve()) {
    spdlog::warn(
        "store: cannot keep {} bytes in reserve at {}: a full disk may then stop the "
        "store until space returns",
        reserve_bytes_, reserve_path_.string());
  }
}

bool QueueCore::hold_reserve() {
  if (reserve_bytes_ == 0) {
    reserve_held_ = true;
    return true;
  }
  const int fd = ::open(reserve_path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    reserve_held_ = false;
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > reserve_bytes_) {
    static_cast<void>(::ftruncate(fd, reserve_bytes_));
  }
  reserve_held_ = ::posix_fallocate(fd, 0, reserve_bytes_) == 0;
  if (!reserve_held_) {
    static_cast<void>(::ftruncate(fd, 0));  // a part of it would only be lost space
  }
  ::close(fd);
  return reserve_held_;
}

void QueueCore::release_reserve() {
  if (reserve_bytes_ == 0) {
    return;
  }
  const int fd = ::open(reserve_path_.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd >= 0) {
    static_cast<void>(::ftruncate(fd, 0));
    ::close(fd);
  }
  reserve_held_ = false;
}

std::int64_t QueueCore::free_bytes() const {
  struct statvfs fs {};
  const auto dir = path_.has_parent_path() ? path_.parent_path() : std::filesystem::path(".");
  if (::statvfs(dir.c_str(), &fs) != 0) {
    return std::numeric_limits<std::int64_t>::max();
  }
  return static_cast<std::int64_t>(fs.f_bavail * fs.f_frsize);
}

// Looks at the free space each time the log has grown by another half
// reserve (a statvfs, not per append): short when it is less than twice the
// log and a reserve more.
bool QueueCore::short_of_space() {
  const std::int64_t wal_bytes = std::int64_t{wal_frames_} * options_.page_size;
  if (wal_bytes < space_check_at_) {
    return false;
  }
  space_check_at_ = wal_bytes + room_unit() / 2;
  return free_bytes() < 2 * wal_bytes + room_unit();
}

// Counts a write refused for a full disk; logs at most once per
// kFullLogInterval, with the number of refusals since.
void QueueCore::note_disk_full() {
  ++counters_.disk_full_events;
  ++full_unlogged_;
  counters_.disk_full = true;
  const auto now = std::chrono::steady_clock::now();
  if (last_full_log_ && now - *last_full_log_ < full_log_interval) {
    return;
  }
  spdlog::error(
      "store: {}: disk full ({} refused writes since the last report); dropping messages by the "
      "{} policy until space returns",
      path_.string(), full_unlogged_, config::name_of(cfg_.overflow));
  full_unlogged_ = 0;
  last_full_log_ = now;
}

// Gives up the reserve and checkpoints the whole log into the database,
// truncating it, so that its space goes back to the file system. True when
// the log is empty now.
bool QueueCore::make_room() {
  release_reserve();
  if (checkpoint(SQLITE_CHECKPOINT_TRUNCATE)) {
    return true;
  }
  const auto now = std::chrono::steady_clock::now();
  if (!last_room_log_ || now - *last_room_log_ >= full_log_interval) {
    spdlog::error(
        "store: {}: the disk is too full even to checkpoint the write-ahead log; messages are "
        "dropped until space returns",
        path_.string());
    last_room_log_ = now;
  }
  return false;
}

// After a full disk: free pages go back to the file system (vacuum, then a
// truncating checkpoint) and the reserve is taken again; under drop_oldest,
// if that does not free enough, more of the oldest rows are evicted first.
void QueueCore::regain_space() {
  give_back_pages();
  for (int round = 0; round < regain_rounds && !hold_reserve(); ++round) {
    if (!drops_oldest() || rows_ == 0) {
      return;
    }
    shed_oldest(rows_ / 32 + 1);
  }
}

// Free pages go back to the file system: a vacuum, then a truncating
// checkpoint. Moving pages writes log, so on a full disk the vacuum goes a
// step at a time, each checkpointed before the next.
void QueueCore::give_back_pages() {
  checkpoint(SQLITE_CHECKPOINT_TRUNCATE);
  if (db_.query_int("PRAGMA freelist_count") == 0) {
    return;
  }
  if (!vacuum()) {
    const std::int64_t step = std::max<std::int64_t>(16, room_unit() / options_.page_size / 4);
    for (int i = 0; i < 1000 && db_.query_int("PRAGMA freelist_count") > 0 && vacuum(step) &&
                    checkpoint(SQLITE_CHECKPOINT_TRUNCATE);
         ++i) {
    }
  }
  checkpoint(SQLITE_CHECKPOINT_TRUNCATE);
}

// Evicts the oldest `rows` rows and gives their pages back to the file system.
void QueueCore::shed_oldest(std::uint64_t rows) {
  evict_now(rows);
  give_back_pages();
}

// Evicts the oldest `rows` rows in a transaction of their own.
void QueueCore::evict_now(std::uint64_t rows) {
  Staged staged{rows_, bytes_, {}, {}};
  const DeletesUnsynced unsynced(db_, syncs_fully());
  if (!commit_unless_full(db_, [&] { stage_evict_oldest(staged, rows, 0); })) {
    return;
  }
  ++counters_.commits;
  rows_ = staged.rows;
  bytes_ = staged.bytes;
  note_evicted(staged.evicted, "disk full");
  refresh_oldest();
}

std::vector<Message> QueueCore::fetch(std::size_t max, std::size_t max_backfill) {
  std::vector<Message> out;
  const std::size_t room =
      options_.window > in_flight_.size() ? options_.window - in_flight_.size() : 0;
  const std::size_t want = std::min(max, room);
  // A read that fails part way hands out nothing: the lanes' cursors go back
  // to where they were, or the rows read so far would never be handed out.
  const Lanes::Cursors before = lanes_.cursors();
  try {
    fetch_lane(Lane::live, want, out);
    fetch_lane(Lane::backfill, std::min(want - out.size(), max_backfill), out);
  } catch (...) {
    lanes_.restore(before);
    throw;
  }
  for (const Message& m : out) {
    in_flight_.insert(m.seq);
  }
  return out;
}

// Appends up to `want` messages of `lane` not handed out yet, in sequence
// order, reading only the lane's ranges: rows from the database, then the
// messages not written yet.
void QueueCore::fetch_lane(Lane lane, std::size_t want, std::vector<Message>& out) {
  const std::size_t goal = out.size() + want;
  if (want == 0) {
    return;
  }
  const Seq unwritten_from = first_unwritten();
  for (Lanes::Range range : lanes_.pending(lane)) {
    if (held_from_) {  // nothing overtakes a held message
      if (range.first >= *held_from_) {
        return;
      }
      range.last = std::min(range.last, *held_from_ - 1);
    }
    if (range.first < unwritten_from &&
        fetch_rows({range.first, std::min(range.last, unwritten_from - 1)}, goal, out)) {
      lanes_.passed(lane, out.back().seq);
      return;
    }
    if (range.last >= unwritten_from &&
        fetch_unwritten({std::max(range.first, unwritten_from), range.last}, goal, out)) {
      lanes_.passed(lane, out.back().seq);
      return;
    }
    lanes_.passed(lane, range.last);
  }
}

// The rows of `range` not acknowledged, until `out` holds `goal` messages;
// true when it does.
bool QueueCore::fetch_rows(Lanes::Range range, std::size_t goal, std::vector<Message>& out) {
  fetch_.reset();
  fetch_.bind(1, static_cast<std::int64_t>(range.first))
      .bind(2, static_cast<std::int64_t>(range.last));
  while (out.size() < goal && fetch_.step()) {
    const auto seq = static_cast<Seq>(fetch_.column_int(0));
    if (acked_.contains(seq)) {
      continue;
    }
    Message& m = out.emplace_back();
    m.seq = seq;
    m.enqueued = from_millis(fetch_.column_int(1));
    m.qos = static_cast<std::uint8_t>(fetch_.column_int(2));
    m.retain = fetch_.column_int(3) != 0;
    m.backfill = fetch_.column_int(4) != 0;
    m.topic = fetch_.column_text(5);
    const auto payload = fetch_.column_blob(6);
    m.payload.assign(payload.begin(), payload.end());
  }
  fetch_.reset();
  return out.size() == goal;
}

// The same for messages not written yet; they stay for their commit.
bool QueueCore::fetch_unwritten(Lanes::Range range, std::size_t goal, std::vector<Message>& out) {
  const Seq base = first_unwritten();
  for (Seq seq = range.first; seq <= range.last && out.size() < goal; ++seq) {
    if (!delivered_unwritten_.contains(seq)) {
      out.push_back(unwritten_[seq - base]);
    }
  }
  return out.size() == goal;
}

void QueueCore::ack(Seq seq) {
  in_flight_.erase(seq);
  if (seq >= first_unwritten()) {
    delivered_unwritten_.insert(seq);
  } else {
    acked_.insert(seq);
  }
}

void QueueCore::rewind() {
  in_flight_.clear();
  lanes_.rewind();
}

Counters QueueCore::counters() const {
  Counters c = counters_;
  c.rows = rows_;
  c.bytes = bytes_;
  c.oldest_enqueued = oldest_enqueued_;
  c.disk_bytes_written = vfs_->bytes_written();
  c.syncs = vfs_->syncs();
  c.clock_held = held_;
  return c;
}

std::uint64_t QueueCore::file_bytes() const {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path_, ec);
  return ec ? 0 : size;
}

// Counts evictions and logs them, at most once per kEvictLogInterval.
void QueueCore::note_evicted(std::uint64_t n, const char* why) {
  counters_.evicted += n;
  evicted_unlogged_ += n;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_evict_log_ >= evict_log_interval) {
    spdlog::warn("store: {} messages dropped ({}; store.overflow = {}), {} since start",
                 evicted_unlogged_, why, config::name_of(cfg_.overflow), counters_.evicted);
    evicted_unlogged_ = 0;
    last_evict_log_ = now;
  }
}

int QueueCore::on_wal(void* self, sqlite3* /*db*/, const char* /*name*/, int frames) {
  static_cast<QueueCore*>(self)->wal_frames_ = frames;
  return SQLITE_OK;
}

}  // namespace iotgw::bridge::store
