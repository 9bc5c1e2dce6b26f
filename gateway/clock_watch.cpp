#include "gateway/clock_watch.hpp"

namespace iotgw::gateway {

ClockWatch::ClockWatch(Sources sources, std::chrono::nanoseconds hold)
    : sources_(std::move(sources)), hold_(hold) {}

std::optional<bridge::store::ClockRelease> ClockWatch::check() {
  if (trusted()) {
    return std::nullopt;
  }
  const drivers::BootClock::time_point boot = sources_.boot();
  if (sources_.synchronised()) {
    const std::chrono::system_clock::time_point wall = sources_.wall();
    trusted_since_ = wall;
    return bridge::store::ClockRelease{
        .wall_minus_boot =
            std::chrono::duration_cast<std::chrono::nanoseconds>(wall.time_since_epoch()) -
            boot.time_since_epoch(),
        .taken_before = {}};
  }
  return bridge::store::ClockRelease{.wall_minus_boot = std::nullopt,
                                     .taken_before = boot.time_since_epoch() - hold_};
}

}  // namespace iotgw::gateway
