// Telemetry on its way into the store: the messages made in one turn of the
// io_context (a poll's readings) go to the store as one batch. Each request
// wakes the store thread, an epoll_ctl and a context switch that cost more
// than the append itself; a poll of 100 registers now makes one.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "bridge/store/end_of_turn.hpp"
#include "bridge/store/store.hpp"

namespace iotgw::gateway {

class StoreAppender {
 public:
  // Per batch, once it committed: the error of the whole batch (then nothing
  // of it was accepted), else per message its sequence number, 0 where the
  // store's bounds refused it.
  using Done =
      std::function<void(bridge::store::error_code, std::span<const bridge::store::Seq> seqs)>;

  // The store and done must outlive the appender's completions: flush, then
  // stop the store.
  StoreAppender(boost::asio::any_io_executor executor, bridge::store::Store& store, Done done);

  void append(bridge::store::Message message);
  // Hands what is gathered to the store now (before it stops).
  void flush();

  // When the oldest message not yet committed was appended.
  std::optional<std::chrono::steady_clock::time_point> oldest_waiting() const;

 private:
  bridge::store::Store& store_;
  Done done_;
  bridge::store::EndOfTurn turn_end_;
  std::vector<bridge::store::Message> batch_;
  std::chrono::steady_clock::time_point batch_started_{};
  // When each batch handed to the store was started (they complete in order).
  std::deque<std::chrono::steady_clock::time_point> waiting_;
};

}  // namespace iotgw::gateway
