// The synchronous SQLite queue: owns the one connection to the database file
// and does all of the store's SQL. Not thread-safe; the front end (store.hpp)
// calls it from the store thread only, tests and the crash child call it
// directly.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <boost/unordered/unordered_flat_set.hpp>

#include "bridge/store/counters.hpp"
#include "bridge/store/counting_vfs.hpp"
#include "bridge/store/lanes.hpp"
#include "bridge/store/message.hpp"
#include "bridge/store/sqlite/sqlite.hpp"
#include "config/config.hpp"

namespace iotgw::bridge::store {

struct CoreOptions {
  // Messages handed out by fetch() and not yet acknowledged, at most.
  std::size_t window = 64;
  std::uint32_t page_size = 4096;
  // The WAL is truncated back to this size after it has been reset.
  std::int64_t journal_size_limit = 4 * 1024 * 1024;
  // A passive checkpoint runs after a commit once the WAL holds this many
  // frames, but not sooner than checkpoint_min_interval after the previous
  // one: each checkpoint costs two fsyncs, and this keeps them below one a
  // second at any message rate.
  int checkpoint_frames = 1000;
  std::chrono::milliseconds checkpoint_min_interval{3000};
  // Free pages are given back after a commit once there are this many and
  // they are a quarter of the file; maintain() gives back every free page.
  std::int64_t vacuum_free_pages = 2048;
  // A hard cap on the database file in pages (PRAGMA max_page_count); 0 keeps
  // SQLite's default. Reaching it behaves like a full disk.
  std::int64_t max_page_count = 0;
  // Run PRAGMA quick_check at open; a failure moves the file aside.
  bool verify_on_open = true;
  // Bytes kept allocated in "<path>-reserve" and given up when the disk is
  // full, so that the write-ahead log can still be checkpointed and old rows
  // deleted. -1: a sixteenth of the file system, from 64 KiB to 8 MiB; 0: none.
  std::int64_t reserve_bytes = -1;
  // The boot that messages enqueued now were taken in
  // (/proc/sys/kernel/random/boot_id). Held messages of an earlier boot can
  // never be corrected: they are released as unsynchronised at open.
  std::string boot_id;
  // Gives a held message its final payload and enqueue time: the corrected
  // wall time, or its own stamp marked unsynchronised when there is none.
  // Called on the store's thread; needed as soon as messages are held.
  std::function<void(Message&, std::optional<std::chrono::system_clock::time_point>)> restamp;
};

struct AppendResult {
  // One per appended message, in order: its sequence number, or 0 when it was
  // not accepted (store full under drop_newest, or the disk is full).
  std::vector<Seq> seqs;
  std::uint64_t accepted = 0;
  std::uint64_t acked = 0;  // acknowledged rows deleted by this transaction
};

class QueueCore {
 public:
  // Opens (creating it if needed) the database at cfg.path. A file that is
  // not a readable iotgw database is moved aside and a fresh one created.
  explicit QueueCore(const config::Store& cfg, CoreOptions options = {});
  ~QueueCore();
  QueueCore(const QueueCore&) = delete;
  QueueCore& operator=(const QueueCore&) = delete;

  // Takes `message` into the queue's order: it gets its sequence number and
  // can be fetched at once, before it is written. The next commit() writes it
  // unless the broker has acknowledged it by then: a delivered message needs
  // no row.
  Seq enqueue(Message message);
  // One write transaction: deletes the rows acknowledged since the last one,
  // applies the bounds (evicting by policy), inserts what was enqueued since
  // and not acknowledged yet. When it returns those messages are durable (per
  // store.sync). The result has one entry per message enqueued since the last
  // commit, in order.
  AppendResult commit();
  // Enqueues `batch` and commits (tests, benchmarks and the crash child).
  AppendResult append(std::span<const Message> batch);
  // A transaction that only deletes the acknowledged rows, never synced: the
  // enqueued messages wait for their own commit.
  AppendResult commit_acks();
  // Enqueued messages waiting for commit().
  std::size_t unwritten() const { return unwritten_.size(); }

  // The messages not yet handed out, at most `max` and at most what the
  // in-flight window has room for, oldest first; with store.delivery =
  // "live_first" the live ones first, then at most `max_backfill` of the
  // backlog. They count as in flight until acked.
  std::vector<Message> fetch(std::size_t max,
                             std::size_t max_backfill = std::numeric_limits<std::size_t>::max());
  // Backlog rows wait that fetch() would hand out given room and allowance.
  bool backfill_waiting() const { return lanes_.has_pending(Lane::backfill); }
  // Records that the broker acknowledged `seq` (in any order). The row is
  // deleted by the next commit; until then a crash brings it back. A message
  // not written yet never will be.
  void ack(Seq seq);
  // Everything not acknowledged is pending again (after a reconnect).
  void rewind();

  // Releases the held messages the clock allows, in one transaction, and
  // returns how many. Held messages are never handed out: fetch() stops at
  // the first, so that nothing overtakes them.
  std::uint64_t release_held(const ClockRelease& release);
  std::uint64_t held() const { return held_; }

  // Idle work: gives every free page back to the file system and truncates
  // the WAL with a checkpoint.
  void maintain();

  Counters counters() const;
  std::size_t in_flight() const { return in_flight_.size(); }
  // Acknowledged rows waiting for their delete.
  std::size_t pending_acks() const { return acked_.size(); }
  const std::filesystem::path& path() const { return path_; }
  // The VFS the connection writes through (counters; fault injection in tests).
  CountingVfs& vfs() { return *vfs_; }
  // The database file as it is now (for the vacuum test and the benchmark).
  std::uint64_t file_bytes() const;

 private:
  struct Staged;
  // How the next try of an append transaction is made, as the disk-full
  // policy adjusts it.
  struct Attempt {
    std::size_t delete_limit;
    bool with_inserts;
    std::uint64_t extra_evict = 0;
    bool met_full = false;   // some try was refused for a full disk
    bool room_made = false;  // make_room() ran for this append
    int number = 0;
  };

  void open();
  void close();
  void configure(bool verify);
  void prepare();
  void migrate(std::int64_t version);
  void add_backfill_column();
  void load_state();
  void load_lanes();
  void add_clock_columns();
  void register_boot();
  void load_held();
  // How one held message is released: nothing (it stays held, and so do all
  // after it), corrected with an offset, or marked unsynchronised.
  struct Release {
    bool now = false;
    std::optional<std::chrono::nanoseconds> wall_minus_boot;
  };
  using Decide = std::function<Release(std::int64_t boot, std::chrono::nanoseconds boot_time)>;
  std::uint64_t release_rows(const Decide& decide);
  std::uint64_t release_unwritten(const Decide& decide);
  void settle(Message& message, const Release& release);
  Lane lane_of(const Message& message) const;
  Seq first_unwritten() const { return next_seq_ - unwritten_.size(); }
  void fetch_lane(Lane lane, std::size_t want, std::vector<Message>& out);
  bool fetch_rows(Lanes::Range range, std::size_t goal, std::vector<Message>& out);
  bool fetch_unwritten(Lanes::Range range, std::size_t goal, std::vector<Message>& out);
  bool handed_out(Seq seq) const;
  AppendResult write(std::span<const Message> batch);
  std::optional<Staged> try_append(std::span<const Message> batch, const Attempt& attempt);
  bool adapt_to_full_disk(std::size_t batch_size, Attempt& attempt);
  void free_space_for_retry(Attempt& attempt);
  bool halve_deletes(Attempt& attempt) const;
  void choose_retry(std::size_t batch_size, Attempt& attempt, bool first_time);
  void give_up_on_full_disk(std::size_t batch_size);
  AppendResult account_append(std::span<const Message> batch, Staged staged,
                              const Attempt& attempt);
  void settle_full_cap(bool met_full, bool cap_lifted);
  void cap_at_current_rows();
  std::uint64_t delete_held_back(std::size_t limit);
  bool drops_oldest() const;
  bool syncs_fully() const;
  void stage_last_seq();
  void stage_deletes(Staged& staged, std::size_t limit);
  void forget_deleted(const Staged& staged);
  std::uint64_t delete_acked(std::size_t limit);
  std::optional<std::uint64_t> commit_deletes(std::size_t limit);
  std::size_t delete_chunk() const;
  void stage_bounds(std::span<const Message> batch, Staged& staged, std::uint64_t extra_evict);
  void stage_evict_oldest(Staged& staged, std::uint64_t rows, std::uint64_t bytes);
  void delete_range(Seq first, Seq last);
  void stage_inserts(std::span<const Message> batch, Staged& staged);
  void refresh_oldest();
  void after_commit();
  bool vacuum(std::int64_t pages = 0);
  bool checkpoint(int mode);
  void note_evicted(std::uint64_t n, const char* why);
  // Space on a full disk (see "A full disk" in queue_core.cpp).
  void set_aside_unfit_files();
  void size_reserve();
  bool hold_reserve();
  void release_reserve();
  std::int64_t free_bytes() const;
  std::int64_t room_unit() const;
  bool short_of_space();
  void note_disk_full();
  bool make_room();
  void regain_space();
  void give_back_pages();
  void shed_oldest(std::uint64_t rows);
  void evict_now(std::uint64_t rows);
  static int on_wal(void* self, struct sqlite3* db, const char* name, int frames);

  config::Store cfg_;
  CoreOptions options_;
  std::filesystem::path path_;
  std::unique_ptr<CountingVfs> vfs_;
  sqlite::Connection db_;

  sqlite::Statement insert_;
  sqlite::Statement range_size_;
  sqlite::Statement delete_range_;
  sqlite::Statement oldest_sizes_;
  sqlite::Statement oldest_time_;
  sqlite::Statement fetch_;
  sqlite::Statement set_last_seq_;
  sqlite::Statement held_rows_;
  sqlite::Statement restamp_row_;

  // Messages held for the clock: every one from held_from_ on, written or
  // not (they are taken in order, and only before the clock is first right).
  std::int64_t boot_ = 0;  // this boot's number in the boots table
  std::optional<Seq> held_from_;
  std::uint64_t held_ = 0;
  std::optional<std::chrono::nanoseconds> wall_minus_boot_;  // once synchronised

  // Queue state as committed, but for the sequence numbers: the next one to
  // give, and the highest kept in meta.last_seq.
  Seq next_seq_ = 1;
  Seq last_seq_stored_ = 0;
  std::uint64_t rows_ = 0;
  std::uint64_t bytes_ = 0;
  std::optional<std::chrono::system_clock::time_point> oldest_enqueued_;

  // Enqueued and not written yet: sequence numbers first_unwritten() up to
  // next_seq_ - 1, in order, and those of them already acknowledged.
  std::vector<Message> unwritten_;
  boost::unordered_flat_set<Seq> delivered_unwritten_;

  // Forwarding state (memory only: a restart makes everything pending again).
  Lanes lanes_;  // what is handed out next, in which order
  // Open addressing: no allocation per message handed out and acknowledged.
  boost::unordered_flat_set<Seq> in_flight_;  // handed out, not acked
  boost::unordered_flat_set<Seq> acked_;      // acked, row not yet deleted

  // After SQLITE_FULL the row count that fitted becomes a bound of its own,
  // so later appends evict (or refuse) before the disk refuses. It is lifted
  // when the queue has halved or kFullProbeInterval has passed.
  std::optional<std::uint64_t> full_cap_;
  std::chrono::steady_clock::time_point full_since_{};

  // The reserve file, its size when held (0: none is kept), and whether it is.
  std::filesystem::path reserve_path_;
  std::int64_t reserve_bytes_ = 0;
  bool reserve_held_ = false;
  // Bytes of write-ahead log at which free space is looked at next.
  std::int64_t space_check_at_ = 0;
  bool checkpoint_met_full_ = false;  // the last checkpoint failed with SQLITE_FULL
  std::optional<std::chrono::steady_clock::time_point> last_full_log_;
  std::optional<std::chrono::steady_clock::time_point> last_room_log_;
  std::uint64_t full_unlogged_ = 0;

  int wal_frames_ = 0;
  std::chrono::steady_clock::time_point last_checkpoint_{};
  std::chrono::steady_clock::time_point last_evict_log_{};
  std::uint64_t evicted_unlogged_ = 0;
  Counters counters_;
};

}  // namespace iotgw::bridge::store
