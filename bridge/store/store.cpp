#include "bridge/store/store.hpp"

#include <algorithm>
#include <malloc.h>

#include <boost/asio/error.hpp>
#include <spdlog/spdlog.h>

namespace iotgw::bridge::store {

Store::Store(asio::any_io_executor caller, const config::Store& cfg, StoreOptions options)
    : caller_(std::move(caller)),
      cfg_(cfg),
      options_(options),
      keep_alive_(ctx_.get_executor()),
      timer_(ctx_),
      pacer_(cfg.delivery == config::Delivery::live_first ? cfg.backfill_rate : 0),
      pace_timer_(ctx_),
      thread_([this] { ctx_.run(); }) {}

Store::~Store() {
  if (!stop_requested_.exchange(true)) {
    asio::post(ctx_, [this] { shut_down(); });
  }
  thread_.join();
}

void Store::start_open(Pending<OpenSig> op) {
  asio::post(ctx_, [this, op = std::move(op)]() mutable {
    if (stopped_) {
      op.complete(error_code(Errc::stopped));
      return;
    }
    open_core();
    op.complete(core_ ? error_code() : error_code(Errc::database_error));
  });
}

// The enqueue time is the caller's; a message without one gets "now".
void Store::stamp(Message& message) {
  if (message.enqueued == std::chrono::system_clock::time_point{}) {
    message.enqueued = std::chrono::system_clock::now();
  }
}

// Each start_* runs on the caller's thread and hands the operation to the
// store thread; after a stop it completes at once instead.
void Store::start_append(Message message, Pending<AppendSig> op) {
  stamp(message);
  if (stop_requested_) {
    op.complete(error_code(Errc::stopped), Seq{0});
    return;
  }
  asio::post(ctx_, [this, m = std::move(message), op = std::move(op)]() mutable {
    if (!core_) {
      op.complete(error_code(stopped_ ? Errc::stopped : Errc::not_open), Seq{0});
      return;
    }
    append_waiters_.push_back({core_->unwritten(), 1, std::move(op)});
    core_->enqueue(std::move(m));
    serve_fetch();
    schedule();
  });
}

void Store::start_append(std::vector<Message> batch, Pending<BatchSig> op) {
  for (Message& message : batch) {
    stamp(message);
  }
  if (stop_requested_) {
    op.complete(error_code(Errc::stopped), std::vector<Seq>(batch.size(), 0));
    return;
  }
  asio::post(ctx_, [this, b = std::move(batch), op = std::move(op)]() mutable {
    if (!core_) {
      op.complete(error_code(stopped_ ? Errc::stopped : Errc::not_open),
                  std::vector<Seq>(b.size(), 0));
      return;
    }
    append_waiters_.push_back({core_->unwritten(), b.size(), std::move(op)});
    for (Message& m : b) {
      core_->enqueue(std::move(m));
    }
    serve_fetch();
    schedule();
  });
}

void Store::start_fetch(std::size_t max, Pending<FetchSig> op) {
  if (stop_requested_) {
    op.complete(error_code(asio::error::operation_aborted), std::vector<Message>());
    return;
  }
  asio::post(ctx_, [this, max, op = std::move(op)]() mutable {
    if (!core_) {
      op.complete(error_code(stopped_ ? Errc::stopped : Errc::not_open), std::vector<Message>());
      return;
    }
    if (fetch_waiter_) {
      op.complete(error_code(asio::error::already_started), std::vector<Message>());
      return;
    }
    fetch_max_ = max;
    fetch_waiter_.emplace(std::move(op));
    serve_fetch();
  });
}

void Store::start_ack(std::vector<Seq> seqs, Pending<AckSig> op) {
  if (stop_requested_) {
    op.complete(error_code(Errc::stopped));
    return;
  }
  asio::post(ctx_, [this, s = std::move(seqs), op = std::move(op)]() mutable {
    if (!core_) {
      op.complete(error_code(stopped_ ? Errc::stopped : Errc::not_open));
      return;
    }
    for (const Seq seq : s) {
      core_->ack(seq);
    }
    ack_waiters_.push_back(std::move(op));
    serve_fetch();
    schedule();
  });
}

void Store::rewind() {
  asio::post(ctx_, [this] {
    if (core_) {
      core_->rewind();
      serve_fetch();
    }
  });
}

void Store::set_uplink(bool up) {
  asio::post(ctx_, [this, up] {
    uplink_ = up;
    serve_fetch();
  });
}

void Store::release_held(ClockRelease release) {
  asio::post(ctx_, [this, release] {
    if (!core_) {
      return;
    }
    try {
      if (core_->release_held(release) > 0) {
        publish_counters();
        serve_fetch();
      }
    } catch (const std::exception& e) {
      handle_error(e, "stamping held readings anew");  // they stay held, for the next try
    }
  });
}

void Store::start_stop(Pending<StopSig> op) {
  stop_requested_ = true;
  asio::post(ctx_, [this, op = std::move(op)]() mutable {
    shut_down();
    op.complete();
  });
}

// The fetch is aborted first so that nothing is handed out while closing;
// then what is pending commits and the database closes.
void Store::shut_down() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  if (fetch_waiter_) {
    std::exchange(fetch_waiter_, std::nullopt)
        ->complete(error_code(asio::error::operation_aborted), std::vector<Message>());
  }
  commit();
  fail_pending(Errc::stopped);
  timer_.cancel();
  timer_for_ = TimerFor::nothing;
  pace_timer_.cancel();
  core_.reset();
  publish_counters();
  keep_alive_.reset();
}

Counters Store::counters() const {
  std::lock_guard lock(counters_mutex_);
  return snapshot_;
}

// Creates the core; a failure (other than corruption, which the core repairs
// itself) leaves the store closed and is logged.
void Store::open_core() {
  try {
    core_ = std::make_unique<QueueCore>(cfg_, options_.core);
    recoveries_ += core_->counters().recoveries;
  } catch (const std::exception& e) {
    ++errors_;
    spdlog::error("store: cannot open {}: {}", cfg_.path.string(), e.what());
  }
  publish_counters();
}

// A transaction commits at once when commit_batch messages and acks wait;
// otherwise when the commit timer (commit_interval) fires. delete_batch
// acknowledged rows are deleted at once in a transaction of their own (deletes
// not yet committed come back after a crash as duplicates, which the contract
// bounds), which is never synced: the messages waiting for their commit are
// left to it, so that an fsync comes at most once per commit_interval below
// commit_batch messages per interval.
void Store::schedule() {
  if (!core_) {
    return;
  }
  if (core_->unwritten() + core_->pending_acks() >= cfg_.commit_batch) {
    commit();
    return;
  }
  if (core_->pending_acks() >= options_.delete_batch) {
    commit_acks();
  }
  if (core_->unwritten() + ack_waiters_.size() == 0) {
    return;
  }
  if (timer_for_ != TimerFor::commit) {
    arm(TimerFor::commit, cfg_.commit_interval);
  }
}

void Store::arm(TimerFor purpose, std::chrono::milliseconds after) {
  timer_for_ = purpose;
  timer_.expires_after(after);
  timer_.async_wait([this](error_code ec) {
    if (!ec) {
      on_timer();
    }
  });
}

void Store::on_timer() {
  const TimerFor purpose = std::exchange(timer_for_, TimerFor::nothing);
  if (purpose == TimerFor::commit) {
    commit();
  } else if (purpose == TimerFor::idle && core_) {
    try {
      core_->maintain();
    } catch (const std::exception& e) {
      handle_error(e, "maintenance");
    }
    // The heap a burst of work grew (a drain's windows, SQLite's cache) goes
    // back to the system once the store is idle; without this glibc keeps
    // its peak.
    ::malloc_trim(0);
    publish_counters();
  }
}

// One group commit of everything enqueued and every ack, then completions.
void Store::commit() {
  if (!core_ || (core_->unwritten() == 0 && core_->pending_acks() == 0 && ack_waiters_.empty())) {
    return;
  }
  AppendResult result;
  try {
    result = core_->commit();
  } catch (const std::exception& e) {
    handle_error(e, "commit");
    fail_pending(Errc::database_error);
    return;
  }
  // Counters first: a completion handler may read them.
  publish_counters();
  for (AppendWaiter& waiter : append_waiters_) {
    if (auto* one = std::get_if<Pending<AppendSig>>(&waiter.op)) {
      const Seq seq = result.seqs[waiter.first];
      one->complete(seq != 0 ? error_code() : error_code(Errc::dropped), seq);
    } else {
      const auto first = result.seqs.begin() + static_cast<std::ptrdiff_t>(waiter.first);
      std::get<Pending<BatchSig>>(waiter.op).complete(
          error_code(), std::vector<Seq>(first, first + static_cast<std::ptrdiff_t>(waiter.count)));
    }
  }
  complete_acks();
  append_waiters_.clear();
  serve_fetch();
  if (!stopped_) {
    arm(TimerFor::idle, options_.idle_delay);
  }
}

// The acknowledged rows deleted ahead of the next group commit.
void Store::commit_acks() {
  try {
    core_->commit_acks();
  } catch (const std::exception& e) {
    handle_error(e, "commit");
    return;
  }
  publish_counters();
  if (core_->pending_acks() == 0) {
    complete_acks();
  }
  serve_fetch();
}

void Store::complete_acks() {
  for (Pending<AckSig>& waiter : ack_waiters_) {
    waiter.complete(error_code());
  }
  ack_waiters_.clear();
}

// Completes every waiting append and ack with `ec` and drops their messages.
void Store::fail_pending(error_code ec) {
  for (AppendWaiter& waiter : append_waiters_) {
    if (auto* one = std::get_if<Pending<AppendSig>>(&waiter.op)) {
      one->complete(ec, Seq{0});
    } else {
      std::get<Pending<BatchSig>>(waiter.op).complete(ec, std::vector<Seq>(waiter.count, 0));
    }
  }
  for (Pending<AckSig>& waiter : ack_waiters_) {
    waiter.complete(ec);
  }
  clear_pending();
}

void Store::clear_pending() {
  append_waiters_.clear();
  ack_waiters_.clear();
}

void Store::serve_fetch() {
  if (!fetch_waiter_ || !core_) {
    return;
  }
  const auto now = BackfillPacer::Clock::now();
  const std::size_t allowance = uplink_ ? pacer_.allowance(now) : 0;
  std::vector<Message> messages;
  try {
    messages = core_->fetch(fetch_max_, allowance);
  } catch (const std::exception& e) {
    handle_error(e, "fetch");
    return;
  }
  if (!messages.empty()) {
    pacer_.took(paced_rows(messages));
    std::exchange(fetch_waiter_, std::nullopt)->complete(error_code(), std::move(messages));
  } else if (uplink_ && allowance == 0 && core_->backfill_waiting()) {
    wait_for_pacer(now);
  }
}

// The backlog rows among `messages` that go out: those already past
// telemetry.expiry are dropped, not sent, so they do not spend the pace.
std::size_t Store::paced_rows(const std::vector<Message>& messages) const {
  const bool expires = options_.expiry > std::chrono::milliseconds::zero();
  const auto expired_at = std::chrono::system_clock::now() - options_.expiry;
  return static_cast<std::size_t>(std::count_if(
      messages.begin(), messages.end(),
      [&](const Message& m) { return m.backfill && !(expires && m.enqueued <= expired_at); }));
}

// Only the backlog waits, for its pace: the fetch is served again when the
// next backlog row may go (sooner if a live row or an ack comes first).
void Store::wait_for_pacer(BackfillPacer::Clock::time_point now) {
  if (pace_timer_armed_) {
    return;
  }
  pace_timer_armed_ = true;
  pace_timer_.expires_at(pacer_.next(now));
  pace_timer_.async_wait([this](error_code ec) {
    pace_timer_armed_ = false;
    if (!ec) {
      serve_fetch();
    }
  });
}

// Logs and counts a database failure. A database found corrupt while running
// is closed and reopened, which moves it aside and starts an empty one.
void Store::handle_error(const std::exception& e, const char* what) {
  ++errors_;
  spdlog::error("store: {} failed: {}", what, e.what());
  const auto* sql = dynamic_cast<const sqlite::Error*>(&e);
  if (sql != nullptr && sqlite::is_corruption(sql->code())) {
    // The messages waiting for their commit go with the database.
    fail_pending(Errc::database_error);
    core_.reset();
    open_core();
  }
  publish_counters();
}

void Store::publish_counters() {
  Counters c = core_ ? core_->counters() : Counters{};
  {
    std::lock_guard lock(counters_mutex_);
    if (!core_) {
      // Closed: keep the last figures.
      c = snapshot_;
    }
    c.errors = errors_;
    c.recoveries = recoveries_;
    snapshot_ = c;
  }
}

}  // namespace iotgw::bridge::store
