// store.backfill_rate as a token bucket: `rate` backfill rows a second on
// average, in bursts of at most a tenth of a second's worth (at least one
// row), so that no second sees more than the rate and one burst, and the
// store thread wakes about ten times a second for it at most. Rate 0: unpaced.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace iotgw::bridge::store {

class BackfillPacer {
 public:
  using Clock = std::chrono::steady_clock;

  explicit BackfillPacer(std::uint32_t rate);

  bool paced() const { return rate_ > 0; }
  // Rows that may be handed out at `now`; unbounded when unpaced.
  std::size_t allowance(Clock::time_point now);
  // `rows` were handed out (after allowance() at the same moment).
  void took(std::size_t rows);
  // When the next row may go, once allowance() said none may now.
  Clock::time_point next(Clock::time_point now) const;

 private:
  std::uint32_t rate_;
  double burst_;
  double tokens_;
  std::optional<Clock::time_point> refilled_;
};

}  // namespace iotgw::bridge::store
