#include "gateway/progress_watchdog.hpp"

#include <fmt/format.h>

namespace iotgw::gateway {
namespace {

double seconds(ProgressWatchdog::Duration duration) {
  return std::chrono::duration<double>(duration).count();
}

}  // namespace

ProgressWatchdog::ProgressWatchdog(Duration store_limit, Duration forwarder_limit)
    : store_limit_(store_limit), forwarder_limit_(forwarder_limit) {}

ProgressWatchdog::Verdict ProgressWatchdog::check(const Sample& sample) {
  // The forwarder's clock restarts whenever it moves, the connection is new,
  // or it has nothing it could do (not connected, or nothing queued that it
  // may send).
  const bool moved = sample.forwarded != last_forwarded_ || sample.connections != last_connections_;
  last_forwarded_ = sample.forwarded;
  last_connections_ = sample.connections;
  if (!sample.connected || sample.queued_rows <= sample.held_rows || moved) {
    waiting_since_.reset();
  } else if (!waiting_since_) {
    waiting_since_ = sample.now;
  }

  if (sample.oldest_store_request && sample.now - *sample.oldest_store_request > store_limit_) {
    return {false, fmt::format("the store has not answered a request for {:.1f} s",
                               seconds(sample.now - *sample.oldest_store_request))};
  }
  if (waiting_since_ && sample.now - *waiting_since_ > forwarder_limit_) {
    return {false, fmt::format("connected with {} rows queued, the forwarder has not moved for "
                               "{:.1f} s",
                               sample.queued_rows, seconds(sample.now - *waiting_since_))};
  }
  return {};
}

}  // namespace iotgw::gateway
