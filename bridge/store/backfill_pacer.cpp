#include "bridge/store/backfill_pacer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace iotgw::bridge::store {

BackfillPacer::BackfillPacer(std::uint32_t rate)
    : rate_(rate), burst_(std::max(1.0, rate / 10.0)), tokens_(burst_) {}

std::size_t BackfillPacer::allowance(Clock::time_point now) {
  if (!paced()) {
    return std::numeric_limits<std::size_t>::max();
  }
  if (refilled_ && now > *refilled_) {
    const std::chrono::duration<double> elapsed = now - *refilled_;
    tokens_ = std::min(burst_, tokens_ + elapsed.count() * rate_);
  }
  refilled_ = refilled_ ? std::max(*refilled_, now) : now;
  return static_cast<std::size_t>(std::floor(tokens_));
}

void BackfillPacer::took(std::size_t rows) {
  if (paced()) {
    tokens_ -= static_cast<double>(rows);
  }
}

BackfillPacer::Clock::time_point BackfillPacer::next(Clock::time_point now) const {
  if (!paced()) {
    return now;
  }
  const double missing = std::max(0.0, 1.0 - tokens_);
  return now + std::chrono::ceil<Clock::duration>(std::chrono::duration<double>(missing / rate_));
}

}  // namespace iotgw::bridge::store
