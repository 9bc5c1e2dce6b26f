// A VFS shim over the default SQLite VFS that counts the bytes written to the
// database, WAL and journal files and the sync (fsync/fdatasync) calls, so the
// store can report its disk wear and the benchmark can count fsyncs.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include <sqlite3.h>

namespace iotgw::bridge::store {

class CountingVfs {
 public:
  // Registers a VFS with a unique name (not as the default one).
  CountingVfs();
  // Unregisters it; every connection using it must be closed before.
  ~CountingVfs();
  CountingVfs(const CountingVfs&) = delete;
  CountingVfs& operator=(const CountingVfs&) = delete;

  // The name to pass to sqlite3_open_v2.
  const char* name() const { return name_.c_str(); }
  std::uint64_t bytes_written() const { return bytes_written_.load(std::memory_order_relaxed); }
  std::uint64_t syncs() const { return syncs_.load(std::memory_order_relaxed); }
  // Fault injection for tests (STYLE, store crash loops): after `writes`
  // more successful writes, writes fail with `code` (e.g. SQLITE_IOERR_WRITE,
  // SQLITE_FULL): once, or until clear_fault() when `persistent`.
  void inject_write_fault(std::int64_t writes, int code, bool persistent);
  void clear_fault() { fault_countdown_.store(-1); }
  // Writes failed by injection so far.
  std::uint64_t faults_injected() const { return faults_injected_.load(); }

  // The VFS being wrapped (the default one at construction).
  sqlite3_vfs* base() const { return base_; }

  struct File;  // our per-file object, defined in the .cpp

 private:
  static int open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags,
                  int* out_flags);
  static int write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset);
  static int sync(sqlite3_file* file, int flags);

  sqlite3_vfs vfs_{};
  sqlite3_vfs* base_ = nullptr;
  std::string name_;
  std::atomic<std::uint64_t> bytes_written_{0};
  std::atomic<std::uint64_t> syncs_{0};
  std::atomic<std::int64_t> fault_countdown_{-1};  // -1: no fault armed
  std::atomic<int> fault_code_{0};
  std::atomic<bool> fault_persistent_{false};
  std::atomic<std::uint64_t> faults_injected_{0};
};

}  // namespace iotgw::bridge::store
