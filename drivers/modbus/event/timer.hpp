// Events: the core names the timers it needs; the Asio layer owns them and
// reports expiry back through Master::on_timer. Setting a kind that is already
// running restarts it.
#pragma once

#include <chrono>

namespace iotgw::drivers::modbus::event {

enum class TimerKind {
  frame_gap,         // the line must stay quiet this long before the next request
  response_timeout,  // no (complete) response to the request sent
  turnaround,        // a broadcast gets no answer; the line is free after this delay
};

struct SetTimer {
  TimerKind kind;
  std::chrono::microseconds after;
};

struct CancelTimer {
  TimerKind kind;
};

}  // namespace iotgw::drivers::modbus::event
