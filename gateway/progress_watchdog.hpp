// When to feed systemd's watchdog, sans-I/O: the service calls check() from a
// timer on its event loop with a sample of the pipeline and the time, and
// sends WATCHDOG=1 only when the answer is healthy. Three parts must progress:
//  - the event loop: implied, since check() runs on it; a loop that is stuck
//    never asks, so systemd stops hearing from us;
//  - the store: a request to the store's thread (an append, or a reload
//    waiting for the store to commit and close) that stays unanswered past
//    store_limit means that thread is wedged;
//  - the forwarder: while connected with rows queued, messages must keep being
//    handed to the broker or acknowledged by it within forwarder_limit.
// A broker that is down, unreachable or slow to accept a connection is not a
// stall: then nothing can progress and a restart would not help, so only a
// connection that stays up without progress counts.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace iotgw::gateway {

class ProgressWatchdog {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;
  using Duration = Clock::duration;

  struct Sample {
    TimePoint now{};
    // When the oldest store request still unanswered was made; empty if none.
    std::optional<TimePoint> oldest_store_request{};
    bool connected = false;
    std::uint64_t queued_rows = 0;
    // Of those, held for the wall clock: no forwarder may move them yet.
    std::uint64_t held_rows = 0;
    // Grows whenever the forwarder hands a message to the client or the broker
    // acknowledges one.
    std::uint64_t forwarded = 0;
    // Grows with every accepted connection; a new connection starts afresh.
    std::uint64_t connections = 0;
  };

  struct Verdict {
    bool healthy = true;
    std::string reason;  // why not, when not healthy
  };

  ProgressWatchdog(Duration store_limit, Duration forwarder_limit);

  Verdict check(const Sample& sample);

 private:
  Duration store_limit_;
  Duration forwarder_limit_;
  // Since when the forwarder has owed progress (connected, rows queued, no
  // movement); empty while it owes none.
  std::optional<TimePoint> waiting_since_;
  std::uint64_t last_forwarded_ = 0;
  std::uint64_t last_connections_ = 0;
};

}  // namespace iotgw::gateway
