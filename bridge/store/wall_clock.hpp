// How the wall clock stood when a reading was taken, and what the store may
// do with the readings it holds until the clock is right (README: "Time on a
// board without a clock").
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace iotgw::bridge::store {

// How the wall clock stood when a message's reading was taken.
enum class WallClock : std::uint8_t {
  synchronised = 0,    // the kernel called it synchronised (or the message is no reading)
  held = 1,            // not synchronised: the message waits in the store for a true stamp
  unsynchronised = 2,  // not synchronised, and sent with the stamp it had, marked so
  corrected = 3,       // held, then stamped anew from the boot clock once the clock was right
};

// What the wall clock allows for the held messages (see WallClock).
struct ClockRelease {
  // Wall clock minus boot clock, once the wall clock is synchronised: every
  // held message of this boot is corrected, now and when it comes later.
  std::optional<std::chrono::nanoseconds> wall_minus_boot;
  // Held messages taken before this boot time (telemetry.clock_hold ago) go
  // out with the stamp they have, marked unsynchronised.
  std::chrono::nanoseconds taken_before{0};
};

}  // namespace iotgw::bridge::store
