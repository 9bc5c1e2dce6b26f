// The order in which queued rows are handed out. Each row is in one of two
// lanes: live (the reading was taken while the uplink was up) or backfill
// (taken while it was down). With store.delivery = "live_first" the live lane
// is served first and the backfill lane drains behind it; with "fifo" every
// row is in the live lane, in sequence order.
//
// A lane is a list of runs of sequence numbers, kept in memory: rows are
// appended in sequence order and change lanes only when the uplink goes up or
// down, so there are few runs. A fetch reads only the ranges of its lane;
// finding the live rows never scans past a backlog of a million rows.
#pragma once

#include <array>
#include <deque>
#include <vector>

#include "bridge/store/message.hpp"

namespace iotgw::bridge::store {

enum class Lane { live, backfill };

class Lanes {
 public:
  struct Range {
    Seq first;
    Seq last;
  };

  // Records row `seq`, higher than every row recorded before, in `lane`.
  void add(Seq seq, Lane lane);
  // Forgets the runs that end below `oldest`, the lowest row still queued.
  void drop_below(Seq oldest);
  void clear();

  // The ranges of `lane` not handed out yet, in sequence order.
  std::vector<Range> pending(Lane lane) const;
  bool has_pending(Lane lane) const;
  // Every row of `lane` up to `seq` was handed out (or is gone).
  void passed(Lane lane, Seq seq);
  // Every row still queued is to be handed out again.
  void rewind() { cursors_ = {}; }

  // How far each lane was handed out, to go back to when a fetch fails.
  using Cursors = std::array<Seq, 2>;
  Cursors cursors() const { return cursors_; }
  void restore(const Cursors& cursors) { cursors_ = cursors; }

 private:
  struct Run {
    Seq first;
    Seq last;
    Lane lane;
  };

  Seq& cursor(Lane lane) { return cursors_[static_cast<std::size_t>(lane)]; }
  Seq cursor(Lane lane) const { return cursors_[static_cast<std::size_t>(lane)]; }

  std::deque<Run> runs_;
  Cursors cursors_{};
};

}  // namespace iotgw::bridge::store
