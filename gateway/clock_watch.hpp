// Whether a reading's wall stamp can be trusted, and what the store may
// release of the readings it holds for the clock. Sans-I/O: the clocks and
// the kernel's word come in as functions, so tests drive them by hand.
//
// The wall clock is trusted from the first time the kernel calls it
// synchronised in this process: a clock that later loses its NTP server only
// drifts, and a step afterwards (an operator, NTP) moves the stamps of later
// readings as it moves the clock. Until then readings are held, and each
// check (once a second) releases those held longer than telemetry.clock_hold,
// marked, or all of them corrected once the clock is right.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "bridge/store/wall_clock.hpp"
#include "drivers/boot_clock.hpp"

namespace iotgw::gateway {

class ClockWatch {
 public:
  struct Sources {
    std::function<bool()> synchronised;
    std::function<std::chrono::system_clock::time_point()> wall;
    std::function<drivers::BootClock::time_point()> boot;
  };

  ClockWatch(Sources sources, std::chrono::nanoseconds hold);

  // Asks the kernel again; what the store may release now, if anything.
  std::optional<bridge::store::ClockRelease> check();

  bool trusted() const { return trusted_since_.has_value(); }
  // The wall time at which the clock was first seen synchronised.
  std::optional<std::chrono::system_clock::time_point> trusted_since() const {
    return trusted_since_;
  }
  // Readings taken now are held (rather than sent marked at once).
  bool holds() const { return hold_ > std::chrono::nanoseconds::zero(); }

 private:
  Sources sources_;
  std::chrono::nanoseconds hold_;
  std::optional<std::chrono::system_clock::time_point> trusted_since_;
};

}  // namespace iotgw::gateway
