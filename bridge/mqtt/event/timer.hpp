// Events: the core asks the I/O layer to (re)start or stop a named timer and
// to call session::on_timer(kind, now) when it fires. The core owns no timer.
#pragma once

#include <chrono>
#include <cstddef>

namespace iotgw::bridge::mqtt::event {

enum class TimerKind {
  keepalive,        // 3.1.2.10: time to send PINGREQ if nothing else went out
  peer_timeout,     // nothing heard from the broker for 1.5 keepalive periods
  connack_timeout,  // CONNECT sent, CONNACK overdue
  quota_pause,      // 5.0: publishing paused after Quota exceeded (0x97) may resume
};

// How many kinds there are, for tables indexed by kind.
inline constexpr std::size_t timer_kinds = 4;

// Starts the timer of `kind`, replacing one of that kind already running.
struct TimerSet {
  TimerKind kind;
  std::chrono::milliseconds after;  // from the `now` of the call that asked

  friend bool operator==(const TimerSet&, const TimerSet&) = default;
};

struct TimerCancel {
  TimerKind kind;

  friend bool operator==(const TimerCancel&, const TimerCancel&) = default;
};

}  // namespace iotgw::bridge::mqtt::event
