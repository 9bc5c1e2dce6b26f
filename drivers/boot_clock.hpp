// The boot's own clock: CLOCK_BOOTTIME counts from boot, on through suspend,
// and nobody sets it. Readings carry it beside the wall clock so that a wall
// stamp taken before the wall clock was right (a board without a battery-backed
// clock, before NTP) can be corrected once it is: the true time of a reading is
// the true time now minus the boot clock's advance since the reading.
#pragma once

#include <chrono>
#include <cstdint>

namespace iotgw::drivers {

struct BootClock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<BootClock>;
  static constexpr bool is_steady = true;

  static time_point now() noexcept;
};

}  // namespace iotgw::drivers
