// Events: the core asks the I/O layer to (re)start or stop a named timer and
// to call session::on_timer(kind, now) when it fires. The core owns no timer.
#pragma once

#include <chrono>

namespace iotgw::mqtt {

enum class timer_kind {
  keepalive,        // 3.1.2.10: time to send PINGREQ if nothing else went out
  peer_timeout,     // nothing heard from the broker for 1.5 keepalive periods
  connack_timeout,  // CONNECT sent, CONNACK overdue
};

// Starts the timer of `kind`, replacing one of that kind already running.
struct timer_set {
  timer_kind kind;
  std::chrono::milliseconds after;  // from the `now` of the call that asked

  friend bool operator==(const timer_set&, const timer_set&) = default;
};

struct timer_cancel {
  timer_kind kind;

  friend bool operator==(const timer_cancel&, const timer_cancel&) = default;
};

}  // namespace iotgw::mqtt
