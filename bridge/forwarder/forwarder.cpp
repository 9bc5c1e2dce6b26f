#include "bridge/forwarder/forwarder.hpp"

#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace iotgw::bridge::forwarder {

namespace asio = boost::asio;

Forwarder::Forwarder(asio::any_io_executor executor, store::Store& store, Publisher& publisher,
                     std::size_t window)
    : store_(store),
      publisher_(publisher),
      window_(window),
      room_(executor),
      ack_flush_(executor) {}

void Forwarder::start() {
  asio::co_spawn(room_.get_executor(), run(), asio::detached);
}

void Forwarder::stop() {
  stopping_ = true;
  room_.cancel();
  ack_flush_.cancel();
  send_acks();
}

asio::awaitable<void> Forwarder::run() {
  while (!stopping_) {
    if (outstanding_ >= window_) {
      // The timer never fires: it is only ever cancelled, by delivered() or stop().
      room_.expires_at(asio::steady_timer::time_point::max());
      boost::system::error_code ignored;
      co_await room_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      continue;
    }
    boost::system::error_code error;
    std::vector<store::Message> batch = co_await store_.async_fetch(
        window_ - outstanding_, asio::redirect_error(asio::use_awaitable, error));
    if (error) {
      if (!stopping_) {
        spdlog::error("forwarder: the store failed: {}", error.message());
      }
      co_return;
    }
    for (const store::Message& message : batch) {
      ++outstanding_;
      ++counters_.published;
      publisher_.publish(message,
                         [this, seq = message.seq](Outcome outcome) { finished(seq, outcome); });
    }
  }
}

void Forwarder::finished(store::Seq seq, Outcome outcome) {
  --outstanding_;
  room_.cancel();
  switch (outcome) {
    case Outcome::undelivered:
      // The row stays; it is handed out again after a restart.
      ++counters_.undelivered;
      return;
    case Outcome::rejected:
      // Resending could never succeed, and the row would hold its place forever.
      ++counters_.rejected;
      spdlog::error("forwarder: message {} dropped: the broker connection refuses it", seq);
      break;
    case Outcome::expired:
      // Logged once per run of expired rows: after an outage there can be millions.
      if (expired_in_run_++ == 0) {
        spdlog::warn("forwarder: dropping queued readings older than telemetry.expiry");
      }
      ++counters_.expired;
      break;
    case Outcome::delivered:
      ++counters_.delivered;
      if (expired_in_run_ > 0) {
        spdlog::info("forwarder: {} expired readings dropped", std::exchange(expired_in_run_, 0));
      }
      break;
  }
  acknowledge(seq);
}

// Not batched behind an earlier ack request: the store completes an ack only
// at its next group commit, and until the core has seen the ack the row
// counts against the store's in-flight window, so holding acks back would
// stall fetching for a whole commit interval. The acks of one turn of the
// io_context (a read of many PUBACKs) go as one request all the same: each
// request wakes the store thread, which costs more than the ack itself.
void Forwarder::acknowledge(store::Seq seq) {
  acks_.push_back(seq);
  if (stopping_) {
    send_acks();
    return;
  }
  if (ack_flush_armed_) {
    return;
  }
  ack_flush_armed_ = true;
  ack_flush_.expires_at(asio::steady_timer::time_point::min());
  // A handler cancelled by the timer's destruction runs after the forwarder
  // is gone: it must not touch it.
  ack_flush_.async_wait([this](boost::system::error_code cancelled) {
    if (!cancelled) {
      ack_flush_armed_ = false;
      send_acks();
    }
  });
}

void Forwarder::send_acks() {
  if (acks_.empty()) {
    return;
  }
  store_.async_ack(std::exchange(acks_, {}), [this](boost::system::error_code error) {
    if (error && !stopping_) {
      spdlog::error("forwarder: acknowledging in the store failed: {}", error.message());
    }
  });
}

}  // namespace iotgw::bridge::forwarder
