// The store as the rest of the program sees it: an asynchronous interface on
// the caller's io_context, with all SQLite work on the store's own thread.
// Every call must come from the caller's executor (one thread); completions
// are posted back to the handler's associated executor (the caller's by
// default). Works with callbacks, asio::use_awaitable, asio::deferred, ...
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>
#include <vector>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include "bridge/store/backfill_pacer.hpp"
#include "bridge/store/counters.hpp"
#include "bridge/store/errors.hpp"
#include "bridge/store/message.hpp"
#include "bridge/store/queue_core.hpp"
#include "config/config.hpp"

namespace iotgw::bridge::store {

namespace asio = boost::asio;
using boost::system::error_code;

struct StoreOptions {
  CoreOptions core;
  // After the last commit, this long without activity counts as idle: free
  // pages are given back and the WAL truncated, then the thread sleeps.
  std::chrono::milliseconds idle_delay{5000};
  // telemetry.expiry (zero: none): backlog rows older than this are dropped
  // by the forwarder, not sent, so they do not count against backfill_rate.
  std::chrono::milliseconds expiry{0};
  // Acknowledged rows are deleted at once, in a transaction of their own,
  // once this many wait (else with the next group commit).
  std::size_t delete_batch = 64;
};

class Store {
 public:
  using OpenSig = void(error_code);
  using AppendSig = void(error_code, Seq);              // Errc::dropped: not accepted
  using BatchSig = void(error_code, std::vector<Seq>);  // per message, 0 = not accepted
  using FetchSig = void(error_code, std::vector<Message>);
  using AckSig = void(error_code);
  using StopSig = void();

  Store(asio::any_io_executor caller, const config::Store& cfg, StoreOptions options = {});
  // Stops as async_stop does (pending messages are committed) and joins.
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Opens or creates the database (moving a corrupt one aside). Call first.
  template <typename Token>
  auto async_open(Token&& token) {
    return asio::async_initiate<Token, OpenSig>(
        [this](auto handler) { start_open(Pending<OpenSig>(std::move(handler), caller_)); }, token);
  }

  // Completes once the transaction holding the message committed, with its
  // sequence number. The message can be fetched before that, as soon as the
  // store thread has it: a live reading goes out without waiting for its
  // commit. A message without an enqueue time is stamped now.
  template <typename Token>
  auto async_append(Message message, Token&& token) {
    return asio::async_initiate<Token, AppendSig>(
        [this](auto handler, Message m) {
          start_append(std::move(m), Pending<AppendSig>(std::move(handler), caller_));
        },
        token, std::move(message));
  }

  // The same for a batch; one completion for all of them.
  template <typename Token>
  auto async_append(std::vector<Message> batch, Token&& token) {
    return asio::async_initiate<Token, BatchSig>(
        [this](auto handler, std::vector<Message> b) {
          start_append(std::move(b), Pending<BatchSig>(std::move(handler), caller_));
        },
        token, std::move(batch));
  }

  // Completes with the messages not yet handed out (at least one, at most
  // `max` and what the in-flight window allows) as soon as there are some:
  // the oldest first, or with store.delivery = "live_first" the live ones
  // first and the backlog at most store.backfill_rate a second. One fetch may
  // be outstanding at a time.
  template <typename Token>
  auto async_fetch(std::size_t max, Token&& token) {
    return asio::async_initiate<Token, FetchSig>(
        [this](auto handler, std::size_t n) {
          start_fetch(n, Pending<FetchSig>(std::move(handler), caller_));
        },
        token, max);
  }

  // Marks messages acknowledged by the broker (any order). Completes when
  // their rows are deleted; a message acknowledged before its commit is
  // never written.
  template <typename Token>
  auto async_ack(std::vector<Seq> seqs, Token&& token) {
    return asio::async_initiate<Token, AckSig>(
        [this](auto handler, std::vector<Seq> s) {
          start_ack(std::move(s), Pending<AckSig>(std::move(handler), caller_));
        },
        token, std::move(seqs));
  }

  // Everything not acknowledged is handed out again (after a reconnect).
  void rewind();

  // Whether the uplink is up (down at first). With "live_first" the backlog
  // is handed out only while it is: backlog rows fetched during an outage
  // would wait in the MQTT window and go out ahead of the first live
  // readings after it.
  void set_uplink(bool up);

  // Releases the messages held for the clock that `release` allows
  // (QueueCore::release_held); call again as the clock changes.
  void release_held(ClockRelease release);

  // Commits what is pending, fails the outstanding fetch with
  // operation_aborted, closes the database and ends the thread.
  template <typename Token>
  auto async_stop(Token&& token) {
    return asio::async_initiate<Token, StopSig>(
        [this](auto handler) { start_stop(Pending<StopSig>(std::move(handler), caller_)); }, token);
  }

  // A snapshot, refreshed after every commit. Safe from any thread.
  Counters counters() const;

 private:
  // A type-erased completion handler plus outstanding work on the executor it
  // completes on, so that executor's io_context does not run out of work.
  template <typename Sig>
  class Pending {
   public:
    template <typename Handler>
    Pending(Handler&& handler, const asio::any_io_executor& fallback)
        : work_(asio::prefer(asio::get_associated_executor(handler, fallback),
                             asio::execution::outstanding_work.tracked)),
          handler_(std::forward<Handler>(handler)) {}

    // Posts the handler with `args` to its executor; call once.
    template <typename... Args>
    void complete(Args&&... args) {
      asio::any_io_executor executor = std::move(work_);
      asio::post(executor,
                 [handler = std::move(handler_), ... a = std::forward<Args>(args)]() mutable {
                   std::move(handler)(std::move(a)...);
                 });
    }

   private:
    asio::any_io_executor work_;
    asio::any_completion_handler<Sig> handler_;
  };

  // A group of enqueued messages [first, first + count) and who to tell.
  struct AppendWaiter {
    std::size_t first;
    std::size_t count;
    std::variant<Pending<AppendSig>, Pending<BatchSig>> op;
  };

  enum class TimerFor { nothing, commit, idle };

  static void stamp(Message& message);
  void start_open(Pending<OpenSig> op);
  void start_append(Message message, Pending<AppendSig> op);
  void start_append(std::vector<Message> batch, Pending<BatchSig> op);
  void start_fetch(std::size_t max, Pending<FetchSig> op);
  void start_ack(std::vector<Seq> seqs, Pending<AckSig> op);
  void start_stop(Pending<StopSig> op);

  // Store thread only, from here on.
  void open_core();
  void schedule();
  void arm(TimerFor purpose, std::chrono::milliseconds after);
  void on_timer();
  void commit();
  void commit_acks();
  void complete_acks();
  void fail_pending(error_code ec);
  void clear_pending();
  void shut_down();
  void serve_fetch();
  void wait_for_pacer(BackfillPacer::Clock::time_point now);
  std::size_t paced_rows(const std::vector<Message>& messages) const;
  void handle_error(const std::exception& e, const char* what);
  void publish_counters();

  asio::any_io_executor caller_;
  config::Store cfg_;
  StoreOptions options_;
  std::atomic<bool> stop_requested_{false};

  asio::io_context ctx_{1};
  asio::executor_work_guard<asio::io_context::executor_type> keep_alive_;
  asio::steady_timer timer_;
  TimerFor timer_for_ = TimerFor::nothing;
  std::unique_ptr<QueueCore> core_;
  bool stopped_ = false;
  // Appends waiting for their commit; `first` counts the messages enqueued
  // in the core since its last commit.
  std::vector<AppendWaiter> append_waiters_;
  std::vector<Pending<AckSig>> ack_waiters_;
  std::size_t fetch_max_ = 0;
  std::optional<Pending<FetchSig>> fetch_waiter_;
  BackfillPacer pacer_;
  bool uplink_ = false;
  asio::steady_timer pace_timer_;  // a fetch waits for the backlog's pace
  bool pace_timer_armed_ = false;
  std::uint64_t errors_ = 0;
  std::uint64_t recoveries_ = 0;

  mutable std::mutex counters_mutex_;
  Counters snapshot_;

  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace iotgw::bridge::store
