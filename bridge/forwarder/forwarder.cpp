#include "bridge/forwarder/forwarder.hpp"

#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace iotgw::bridge::forwarder {

namespace asio = boost::asio;

namespace {

// How long an ack may wait for others to go to the store with it. Far below
// store.commit_interval: a message acknowledged before its commit is never
// written, which the store can only know once it has the ack.
constexpr auto ack_delay = std::chrono::milliseconds(10);

}  // namespace

Forwarder::Forwarder(asio::any_io_executor executor, store::Store& store, Publisher& publisher,
                     std::size_t window, bool resend_undelivered)
    : store_(store),
      publisher_(publisher),
      window_(window),
      room_(executor),
      ack_timer_(executor),
      resend_undelivered_(resend_undelivered),
      paused_(resend_undelivered) {}

void Forwarder::resume() {
  paused_ = false;
  publish_ahead();
}

void Forwarder::start() {
  asio::co_spawn(room_.get_executor(), run(), asio::detached);
}

void Forwarder::stop() {
  stopping_ = true;
  room_.cancel();
  ack_timer_.cancel();
  send_acks();
}

// The forwarder reads ahead by half a window: each acknowledgement frees a
// slot that a message already at hand fills at once (its PUBLISH carries the
// TCP acknowledgement of the PUBACK back with it, which a broker using
// Nagle's algorithm waits for before its next PUBACKs), while the store is
// asked again only once half a window is used up. Fetched per free slot, each
// message of a backlog would cost a round trip to the store thread, a futex,
// an epoll_ctl and a read transaction, more than the message itself.
asio::awaitable<void> Forwarder::run() {
  while (!stopping_) {
    if (held() > window_) {
      // The timer never fires: it is only ever cancelled, by finished() or stop().
      room_.expires_at(asio::steady_timer::time_point::max());
      boost::system::error_code ignored;
      co_await room_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      continue;
    }
    boost::system::error_code error;
    std::vector<store::Message> batch = co_await store_.async_fetch(
        window_ + read_ahead() - held(), asio::redirect_error(asio::use_awaitable, error));
    if (error) {
      if (!stopping_) {
        spdlog::error("forwarder: the store failed: {}", error.message());
      }
      co_return;
    }
    for (store::Message& message : batch) {
      ahead_.push_back(std::move(message));
    }
    publish_ahead();
  }
}

void Forwarder::publish_ahead() {
  while (!stopping_ && !paused_ && outstanding_ < window_ &&
         (!resend_.empty() || !ahead_.empty())) {
    store::Message message;
    if (!resend_.empty()) {
      message = std::move(resend_.extract(resend_.begin()).mapped());
    } else {
      message = std::move(ahead_.front());
      ahead_.pop_front();
    }
    ++outstanding_;
    ++counters_.published;
    const store::Seq seq = message.seq;
    const store::Message& out = resend_undelivered_
                                    ? out_.insert_or_assign(seq, std::move(message)).first->second
                                    : message;
    publisher_.publish(out, [this, seq](Outcome outcome) { finished(seq, outcome); });
  }
}

std::size_t Forwarder::read_ahead() const {
  return std::max<std::size_t>(1, window_ / 2);
}

void Forwarder::finished(store::Seq seq, Outcome outcome) {
  --outstanding_;
  if (resend_undelivered_) {
    auto sent = out_.extract(seq);
    if (outcome == Outcome::undelivered && !sent.empty() && !stopping_) {
      // The connection ended: this message, and those the publisher gives
      // back after it, go again once the new connection is ready for them.
      paused_ = true;
      resend_.insert(std::move(sent));
    }
  }
  publish_ahead();
  if (held() <= window_) {
    room_.cancel();
  }
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

// Each request wakes the store thread, an epoll_ctl and a context switch that
// cost more than the ack itself, and PUBACKs come a few per read: the acks of
// ack_delay go as one request. Half a window goes at once: the store counts
// an ack it has not seen against its in-flight window (twice the forwarder's,
// so that held acks never stall a fetch), and deletes acknowledged rows by
// half windows, so that fewer than a window of them are ever acknowledged
// and not deleted, the duplicates a crash may bring.
void Forwarder::acknowledge(store::Seq seq) {
  acks_.push_back(seq);
  if (stopping_ || acks_.size() >= ack_batch()) {
    send_acks();
    return;
  }
  if (ack_timer_armed_) {
    return;
  }
  ack_timer_armed_ = true;
  ack_timer_.expires_after(ack_delay);
  // A handler cancelled by the timer's destruction runs after the forwarder
  // is gone: it must not touch it.
  ack_timer_.async_wait([this](boost::system::error_code cancelled) {
    if (!cancelled) {
      ack_timer_armed_ = false;
      send_acks();
    }
  });
}

std::size_t Forwarder::ack_batch() const {
  return std::max<std::size_t>(1, window_ / 2);
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
