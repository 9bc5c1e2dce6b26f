#include "bridge/store/lanes.hpp"

#include <algorithm>

namespace iotgw::bridge::store {

void Lanes::add(Seq seq, Lane lane) {
  if (!runs_.empty() && runs_.back().lane == lane) {
    runs_.back().last = seq;
    return;
  }
  runs_.push_back({seq, seq, lane});
}

void Lanes::drop_below(Seq oldest) {
  while (!runs_.empty() && runs_.front().last < oldest) {
    runs_.pop_front();
  }
}

void Lanes::clear() {
  runs_.clear();
}

std::vector<Lanes::Range> Lanes::pending(Lane lane) const {
  std::vector<Range> ranges;
  const Seq after = cursor(lane);
  for (const Run& run : runs_) {
    if (run.lane == lane && run.last > after) {
      ranges.push_back({std::max(run.first, after + 1), run.last});
    }
  }
  return ranges;
}

bool Lanes::has_pending(Lane lane) const {
  const Seq after = cursor(lane);
  return std::any_of(runs_.begin(), runs_.end(),
                     [&](const Run& run) { return run.lane == lane && run.last > after; });
}

void Lanes::passed(Lane lane, Seq seq) {
  cursor(lane) = std::max(cursor(lane), seq);
}

}  // namespace iotgw::bridge::store
