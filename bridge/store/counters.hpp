// What the store reports about itself (metrics topic, logs, tests).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace iotgw::bridge::store {

struct Counters {
  // Depth: rows in the queue and their topic + payload bytes.
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;
  // Enqueue time of the oldest row, empty when the queue is empty.
  std::optional<std::chrono::system_clock::time_point> oldest_enqueued;
  std::uint64_t appended = 0;  // messages accepted (their transaction committed)
  std::uint64_t acked = 0;     // rows deleted because the broker acknowledged them
  std::uint64_t evicted = 0;   // messages dropped by the bounds or by a full disk
  std::uint64_t commits = 0;   // write transactions committed
  std::uint64_t checkpoints = 0;
  std::uint64_t disk_bytes_written = 0;  // bytes SQLite wrote to the database and its WAL
  std::uint64_t syncs = 0;               // fsync/fdatasync calls SQLite made
  std::uint64_t disk_full_events = 0;    // transactions that failed with SQLITE_FULL
  std::uint64_t errors = 0;              // other database errors (front end)
  std::uint64_t recoveries = 0;          // corrupt databases moved aside
  bool disk_full = false;                // the last append met a full disk
  // Readings taken before the wall clock was synchronised (telemetry.clock_hold).
  std::uint64_t clock_held = 0;            // waiting now for the clock
  std::uint64_t clock_corrected = 0;       // stamped anew from the boot clock
  std::uint64_t clock_unsynchronised = 0;  // released with the stamp they had, marked

  // Age of the oldest row at `now`; zero when the queue is empty.
  std::chrono::milliseconds oldest_age(std::chrono::system_clock::time_point now) const {
    if (!oldest_enqueued || now < *oldest_enqueued) {
      return std::chrono::milliseconds{0};
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(now - *oldest_enqueued);
  }
};

}  // namespace iotgw::bridge::store
