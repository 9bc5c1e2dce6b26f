#include "bridge/mqtt/io/client.hpp"

#include <algorithm>
#include <cassert>
#include <exception>
#include <random>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace iotgw::bridge::mqtt::io {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

constexpr std::size_t read_buffer_size = 64 * 1024;
// QoS 1/2 traffic is bounded by the in-flight window; QoS 0 only by this
// limit on bytes waiting for the socket, past which it is refused. Past it,
// the reader also waits: every packet read may queue an answer (PUBACK,
// PUBCOMP, ...), and a broker that sends without reading would otherwise grow
// the queue without bound.
constexpr std::size_t max_queued_bytes = 1024 * 1024;
// How long a graceful stop waits for DISCONNECT to be written before it
// closes anyway (a broker that stopped reading must not hang the shutdown).
constexpr std::chrono::seconds stop_timeout{2};
// A broker address that swallows SYNs would otherwise hold a connection
// attempt for the kernel's two minutes of retransmissions.
constexpr std::chrono::seconds connect_timeout{10};
// While one failure repeats, it is logged again this often.
constexpr std::chrono::minutes failure_reminder{10};
// Dropped messages are a peer's doing and may come in a flood: the first is
// logged, then at most one line this often, with how many were held back.
constexpr std::chrono::minutes drop_reminder{1};

TimePoint now() {
  return std::chrono::steady_clock::now();
}

std::size_t index_of(event::TimerKind kind) {
  return static_cast<std::size_t>(kind);
}

// 3.1.2.10: the keepalive in whole seconds as CONNECT carries it; a
// sub-second setting rounds up to one second rather than turning it off.
std::uint16_t keepalive_seconds(config::Duration keepalive) {
  if (keepalive.count() <= 0) {
    return 0;
  }
  const auto seconds = std::chrono::ceil<std::chrono::seconds>(keepalive).count();
  return static_cast<std::uint16_t>(std::min<std::int64_t>(seconds, 65535));
}

// MQTT 5 intervals are whole seconds (5.0 3.1.2.11.2, 3.1.3.2.2).
std::uint32_t seconds_of(config::Duration interval) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(interval).count();
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(seconds, 0, 0xFFFF'FFFF));
}

std::vector<std::uint8_t> bytes_of(std::string_view text) {
  return {text.begin(), text.end()};
}

// The session core's settings from the [mqtt] table: CONNECT fields, the
// in-flight window and the largest packet accepted from the broker.
SessionConfig session_config_of(const config::Mqtt& mqtt, const ClientOptions& options) {
  SessionConfig result;
  result.in_flight_ends_with_connection = options.in_flight_ends_with_connection;
  result.connect.client_id = mqtt.client_id;
  result.connect.clean_session = mqtt.clean_session;
  result.connect.keep_alive = keepalive_seconds(mqtt.keepalive);
  if (!mqtt.will.topic.empty()) {
    result.connect.will =
        packet::Will{mqtt.will.topic, bytes_of(mqtt.will.payload),
                     static_cast<packet::Qos>(std::clamp(mqtt.will.qos, 0, 2)), mqtt.will.retain};
    if (mqtt.will.delay > std::chrono::milliseconds::zero()) {
      result.connect.will->properties = packet::Properties{
          {packet::PropertyId::will_delay_interval, seconds_of(mqtt.will.delay)}};
    }
  }
  result.version =
      mqtt.version == config::MqttVersion::v3_1_1 ? packet::Version::v3_1_1 : packet::Version::v5;
  result.fall_back_to_3_1_1 = mqtt.version == config::MqttVersion::automatic;
  result.session_expiry = seconds_of(mqtt.session_expiry);
  result.topic_aliases = mqtt.topic_aliases;
  if (!mqtt.username.empty()) {
    result.connect.username = mqtt.username;
    if (!mqtt.password.empty()) {
      result.connect.password = bytes_of(mqtt.password);
    }
  }
  result.max_in_flight = std::max<std::size_t>(1, mqtt.inflight);
  result.limits.max_packet_size = mqtt.max_packet_size;
  return result;
}

// A coroutine of the client ended by an exception (a handler of the
// application threw): nothing can carry on safely, so say so loudly.
void report_escape(std::exception_ptr escaped) {
  if (!escaped) {
    return;
  }
  try {
    std::rethrow_exception(escaped);
  } catch (const std::exception& e) {
    spdlog::critical("mqtt: client stopped by an exception: {}", e.what());
  } catch (...) {
    spdlog::critical("mqtt: client stopped by an unknown exception");
  }
}

Error stopped_error(std::string_view what) {
  return Error{Errc::not_connected, std::string(what)};
}

// A PUBLISH the broker will not take, with its reason code kept for the
// caller's counts.
Error refusal_of(const event::PublishCompleted& completed) {
  std::string text(to_string(completed.reason));
  if (!completed.detail.empty()) {
    text += ": " + completed.detail;
  }
  return Error{Errc::refused_by_broker, std::move(text), completed.reason};
}

}  // namespace

Client::Client(asio::any_io_executor executor, const config::Mqtt& mqtt, ClientOptions options)
    : executor_(executor),
      config_(mqtt),
      session_(session_config_of(mqtt, options)),
      backoff_(mqtt.reconnect_min, mqtt.reconnect_max, std::random_device{}()),
      brokers_(mqtt.brokers.size()),
      transports_(executor, mqtt, connect_timeout),
      failures_(failure_reminder),
      losses_(failure_reminder),
      drops_(drop_reminder),
      timers_{asio::steady_timer(executor), asio::steady_timer(executor),
              asio::steady_timer(executor), asio::steady_timer(executor)},
      retry_timer_(executor),
      connect_timer_(executor),
      stop_guard_(executor),
      failback_timer_(executor) {}

Client::~Client() {
  for (asio::steady_timer& timer : timers_) {
    timer.cancel();
  }
  retry_timer_.cancel();
  connect_timer_.cancel();
  stop_guard_.cancel();
  failback_timer_.cancel();
  *alive_ = false;
  if (probing_) {
    probing_->close();
  }
  if (failback_transport_) {
    failback_transport_->close();
  }
  if (link_ && !link_->closed) {
    link_->closed = true;
    link_->stream->close();
  }
}

void Client::start() {
  if (lifecycle_ != Lifecycle::idle) {
    return;
  }
  enter(Lifecycle::connecting);
  asio::co_spawn(executor_, run(), report_escape);
}

void Client::stop(std::function<void()> done) {
  if (lifecycle_ == Lifecycle::stopped) {
    asio::post(executor_, std::move(done));
    return;
  }
  if (lifecycle_ == Lifecycle::idle) {
    // Never started: only publishes accepted meanwhile wait to be given up.
    enter(Lifecycle::stopping);
    stop_done_ = std::move(done);
    asio::post(executor_, [this] { finish_stop(); });
    return;
  }
  if (lifecycle_ == Lifecycle::stopping) {
    stop_done_ = [first = std::move(stop_done_), then = std::move(done)] {
      if (first) {
        first();
      }
      then();
    };
    return;
  }
  enter(Lifecycle::stopping);
  stop_done_ = std::move(done);
  retry_timer_.cancel();
  failback_timer_.cancel();
  if (probing_) {
    std::exchange(probing_, {})->close();
  }
  if (failback_transport_) {
    std::exchange(failback_transport_, {})->close();
  }
  if (session_.state() != event::ConnectionState::disconnected) {
    // The core sends DISCONNECT if connected; on_state_changed then flushes
    // and closes the link.
    handle(session_.disconnect(now()));
  } else if (link_) {
    close_link(link_);
  }
  stop_guard_.expires_after(stop_timeout);
  stop_guard_.async_wait([this](error_code cancelled) {
    if (!cancelled && link_) {
      close_link(link_);
    }
  });
}

Result<> Client::publish(std::string_view topic, std::span<const std::uint8_t> payload,
                         packet::Qos level, bool retain, PublishHandler done) {
  return publish(packet::PublishView{topic, payload, level, retain, false, 0, {}}, std::move(done));
}

Result<> Client::publish(const packet::PublishView& message, PublishHandler done) {
  if (stop_requested()) {
    return stopped_error("the MQTT client is stopping");
  }
  if (message.qos == packet::Qos::at_most_once && link_ &&
      link_->pending.size() >= max_queued_bytes) {
    return Error{Errc::window_full, "write queue full"};
  }
  const std::uint64_t tag = next_tag_++;
  publishes_.emplace(tag, PendingPublish{message.qos, std::move(done)});
  Events batch = session_.publish(message, tag, now());
  for (const Event& happened : batch) {
    if (const auto* rejected = std::get_if<event::CommandRejected>(&happened);
        rejected != nullptr && rejected->tag == tag) {
      publishes_.erase(tag);
      return rejected->why;
    }
  }
  ++counters_.published;
  handle(std::move(batch));
  return {};
}

void Client::subscribe(std::vector<packet::Subscription> filters, SubscribeHandler done) {
  if (stop_requested()) {
    done(stopped_error("the MQTT client is stopping"));
    return;
  }
  const std::uint64_t tag = next_tag_++;
  subscribes_.emplace(tag, PendingSubscribe{std::move(filters), std::move(done), false});
  if (connected()) {
    send_subscribe(tag);
  }
}

void Client::abort_connection() {
  if (link_ && !link_->closed) {
    lost_reason_ = "connection aborted on request";
    close_link(link_);
  }
}

// The connection loop: a fresh transport per attempt (or the one a failback
// probe opened), CONNECT, read until the stream closes for whatever reason,
// then the next broker of the list, backing off after a round of failures.
asio::awaitable<void> Client::run() {
  while (!stop_requested()) {
    ++counters_.connect_attempts;
    std::shared_ptr<Transport> probed = std::exchange(failback_transport_, {});
    Result<std::shared_ptr<Transport>> made =
        probed ? Result<std::shared_ptr<Transport>>(probed) : transports_.make(brokers_.current());
    if (!made) {
      const std::string reason = made.error().reason;
      report_failure(spdlog::level::err, reason);
      notify({false, false, std::nullopt, reason});
    } else {
      auto current = std::make_shared<Link>(executor_);
      current->stream = std::move(*made);
      link_ = current;
      lost_reason_.clear();
      error_code failed;
      if (!probed) {
        connect_timer_.expires_after(connect_timeout);
        connect_timer_.async_wait([this, current](error_code cancelled) {
          if (!cancelled && !current->closed) {
            current->timed_out = true;
            close_link(current);
          }
        });
        failed = co_await current->stream->connect(broker().host, broker().port);
        connect_timer_.cancel();
      }
      if (current->timed_out || (!current->closed && failed)) {
        const std::string reason =
            "cannot connect to " + broker_name(brokers_.current()) + ": " +
            (current->timed_out
                 ? "no answer within " + std::to_string(connect_timeout.count()) + " s"
                 : failed.message());
        report_failure(spdlog::level::warn, reason);
        notify({false, false, std::nullopt, reason});
      } else if (!current->closed) {
        spdlog::debug("mqtt: {} connection to {} open, sending CONNECT", current->stream->name(),
                      broker_name(brokers_.current()));
        if (will_source_) {
          session_.set_will(will_source_());
        }
        handle(session_.connect(now()));
        co_await read_until_closed(current);
        handle(session_.connection_lost(now()));
      }
      close_link(current);
      if (link_ == current) {
        link_.reset();
      }
    }
    if (stop_requested()) {
      break;
    }
    if (failback_transport_) {
      continue;  // straight to the first broker, which just answered
    }
    if (!brokers_.failed()) {
      spdlog::log(failure_logged_ ? spdlog::level::info : spdlog::level::debug,
                  "mqtt: trying the next broker, {}", broker_name(brokers_.current()));
      continue;
    }
    const std::chrono::milliseconds pause = backoff_.next();
    spdlog::log(failure_logged_ ? spdlog::level::info : spdlog::level::debug,
                "mqtt: reconnecting in {} ms", pause.count());
    retry_timer_.expires_after(pause);
    error_code ignored;
    co_await retry_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  finish_stop();
}

std::string Client::broker_name(std::size_t index) const {
  const config::Broker& to = config_.brokers[index];
  return to.host + ":" + std::to_string(to.port);
}

// While connected to a later broker of the list, the first one is checked
// every mqtt.failback.
void Client::arm_failback() {
  if (brokers_.current() == 0 || config_.failback <= config::Duration::zero()) {
    return;
  }
  failback_timer_.expires_after(config_.failback);
  failback_timer_.async_wait([this](error_code cancelled) {
    if (!cancelled && connected() && brokers_.current() != 0) {
      asio::co_spawn(executor_, probe_first_broker(), report_escape);
    }
  });
}

// A transport (TCP, and TLS for mqtts://) that connects counts as the first
// broker answering: the client then leaves its current broker with DISCONNECT
// and sends CONNECT over this transport. The probe is the client's
// (`probing_`): stop() and the destructor close it, and `alive` tells the
// coroutine, once it resumes, whether there is still a client to go back to.
asio::awaitable<void> Client::probe_first_broker() {
  const std::shared_ptr<bool> alive = alive_;
  Result<std::shared_ptr<Transport>> made = transports_.make(0);
  if (!made) {
    spdlog::info("mqtt: cannot check {} for a failback: {}", broker_name(0), made.error().reason);
    arm_failback();
    co_return;
  }
  const std::shared_ptr<Transport> probe = *made;
  probing_ = probe;
  const auto timed_out = std::make_shared<bool>(false);
  asio::steady_timer deadline(executor_);
  deadline.expires_after(connect_timeout);
  deadline.async_wait([probe, timed_out](error_code cancelled) {
    if (!cancelled) {
      *timed_out = true;
      probe->close();
    }
  });
  error_code failed = co_await probe->connect(config_.brokers[0].host, config_.brokers[0].port);
  if (!*alive) {
    co_return;
  }
  deadline.cancel();
  probing_.reset();
  if (*timed_out) {
    failed = asio::error::timed_out;
  }
  if (!connected() || brokers_.current() == 0 || stop_requested()) {
    probe->close();  // the connection changed meanwhile; the next one decides again
    co_return;
  }
  if (failed) {
    probe->close();
    spdlog::info("mqtt: {} still does not answer ({}); staying on {}", broker_name(0),
                 failed.message(), broker_name(brokers_.current()));
    arm_failback();
    co_return;
  }
  spdlog::info("mqtt: {} answers again; leaving {} to go back to it", broker_name(0),
               broker_name(brokers_.current()));
  failback_transport_ = probe;
  brokers_.return_to_first();
  // In MQTT 5 the broker left behind publishes the will, so that its status
  // does not go on saying "online"; not with a will delay, which would have
  // it say "offline" after the first broker said "online" (in a cluster, on
  // the same topic).
  handle(session_.disconnect(now(), config_.will.delay == config::Duration::zero()));
  // A broker that reads nothing more must not keep the DISCONNECT, and the
  // move, waiting for ever.
  stop_guard_.expires_after(stop_timeout);
  stop_guard_.async_wait([this, leaving = std::weak_ptr<Link>(link_)](error_code cancelled) {
    if (const auto link = leaving.lock(); !cancelled && link && !link->closed) {
      close_link(link);
    }
  });
}

// Feeds everything read to the core until the stream fails or is closed.
asio::awaitable<void> Client::read_until_closed(std::shared_ptr<Link> current) {
  std::vector<std::uint8_t> buffer(read_buffer_size);
  for (;;) {
    error_code error;
    if (current->pending.size() >= max_queued_bytes) {
      // Woken by the writer once it took the queue; the keepalive still ends
      // a connection whose broker reads nothing at all.
      current->drained.expires_at(asio::steady_timer::time_point::max());
      co_await current->drained.async_wait(asio::redirect_error(asio::use_awaitable, error));
      if (current->closed) {
        co_return;
      }
      continue;
    }
    const std::size_t size = co_await current->stream->read_some(asio::buffer(buffer), error);
    if (current->closed) {
      co_return;
    }
    if (error) {
      lost_reason_ = error == asio::error::eof ? std::string("the broker closed the connection")
                                               : "read failed: " + error.message();
      co_return;
    }
    counters_.bytes_in += size;
    handle(session_.feed(std::span<const std::uint8_t>(buffer.data(), size), now()));
  }
}

// Writes what is queued, all of it in one write, until the queue is empty;
// bytes queued meanwhile go in the next write, in order.
asio::awaitable<void> Client::write_queued(std::shared_ptr<Link> current) {
  while (!current->closed && !current->pending.empty()) {
    std::swap(current->pending, current->spare);
    current->pending.clear();
    current->drained.cancel();
    error_code error;
    co_await current->stream->write(asio::buffer(current->spare), error);
    if (current->closed) {
      break;
    }
    if (error) {
      lost_reason_ = "write failed: " + error.message();
      close_link(current);
      break;
    }
    counters_.bytes_out += current->spare.size();
    current->written += current->spare.size();
    current->spare.clear();
    while (!current->qos0_done.empty() && current->qos0_done.front().first <= current->written) {
      const std::uint64_t tag = current->qos0_done.front().second;
      current->qos0_done.pop_front();
      complete_publish(tag, {});
    }
  }
  current->writing = false;
  if (!current->closed && current->close_after_flush) {
    co_await current->stream->shutdown();
    close_link(current);
  }
}

void Client::queue_bytes(std::vector<std::uint8_t>&& bytes) {
  // Without a link there is nothing to write to: the core resends what is
  // in flight on the next connection.
  if (!link_ || link_->closed) {
    return;
  }
  Link& current = *link_;
  current.queued += bytes.size();
  if (current.pending.empty()) {
    std::swap(current.pending, bytes);
  } else {
    current.pending.insert(current.pending.end(), bytes.begin(), bytes.end());
  }
  if (!current.writing) {
    current.writing = true;
    asio::co_spawn(executor_, write_queued(link_), report_escape);
  }
}

// Carries out the core's events in order.
void Client::handle(Events batch) {
  for (Event& happened : batch) {
    if (auto* bytes = std::get_if<event::Send>(&happened)) {
      queue_bytes(std::move(bytes->bytes));
    } else if (const auto* set = std::get_if<event::TimerSet>(&happened)) {
      arm_timer(set->kind, set->after);
    } else if (const auto* cancel = std::get_if<event::TimerCancel>(&happened)) {
      cancel_timer(cancel->kind);
    } else if (auto* change = std::get_if<event::StateChanged>(&happened)) {
      on_state_changed(*change);
    } else if (const auto* completed = std::get_if<event::PublishCompleted>(&happened)) {
      if (completed->downgraded && !downgrade_reported_) {
        downgrade_reported_ = true;
        spdlog::warn(
            "mqtt: {} takes messages below the QoS asked for (a PUBACK to QoS 2, or a lower "
            "Maximum QoS): they are not delivered exactly once",
            broker_name(brokers_.current()));
      }
      if (is_failure(completed->reason)) {
        ++counters_.refused[completed->reason];
        complete_publish(completed->tag, refusal_of(*completed));
      } else {
        on_publish_completed(completed->tag);
      }
    } else if (const auto* fallback = std::get_if<event::VersionFallback>(&happened)) {
      spdlog::warn("mqtt: {}: {}; speaking MQTT 3.1.1 from now on", broker_name(brokers_.current()),
                   fallback->reason);
    } else if (auto* received = std::get_if<event::MessageReceived>(&happened)) {
      ++counters_.received;
      if (on_message_) {
        on_message_(received->message);
      }
    } else if (const auto* dropped = std::get_if<event::MessageDropped>(&happened)) {
      report_dropped(*dropped);
    } else if (auto* subscribed = std::get_if<event::SubscribeCompleted>(&happened)) {
      on_subscribed(*subscribed);
    } else if (const auto* rejected = std::get_if<event::CommandRejected>(&happened)) {
      on_rejected(*rejected);
    }
  }
}

// Connected: back off from scratch next time, restore subscriptions a lost
// session forgot, send subscribe requests that waited. Disconnected: say why
// and close the link (after DISCONNECT is written, when stopping).
void Client::on_state_changed(event::StateChanged& change) {
  if (change.state == event::ConnectionState::connecting) {
    return;
  }
  if (change.state == event::ConnectionState::connected) {
    ++counters_.connects;
    enter(Lifecycle::established);
    backoff_.reset();
    failures_.reset();
    // A session present on another broker than the last one says nothing of
    // the subscriptions made there: all of them are made again.
    const bool moved = brokers_.connected();
    counters_.failovers = brokers_.failovers();
    spdlog::info("mqtt: connected to {} as \"{}\" with MQTT {} (session present: {})",
                 broker_name(brokers_.current()), config_.client_id, to_string(session_.version()),
                 change.session_present);
    arm_failback();
    std::vector<packet::Subscription> restore;
    for (const auto& [filter, subscribed] : subscribed_) {
      if (!change.session_present || !subscribed.granted || moved) {
        restore.push_back(subscribed.subscription);
      }
    }
    if (!restore.empty()) {
      subscribes_.emplace(next_tag_++, PendingSubscribe{std::move(restore), {}, false});
    }
    std::vector<std::uint64_t> waiting;
    for (const auto& [tag, request] : subscribes_) {
      if (!request.sent) {
        waiting.push_back(tag);
      }
    }
    for (const std::uint64_t tag : waiting) {
      send_subscribe(tag);
    }
    notify({true, change.session_present, std::nullopt, change.reason});
    return;
  }
  std::string reason = std::move(change.reason);
  if (!lost_reason_.empty()) {
    reason = std::exchange(lost_reason_, {});
  }
  if (lifecycle_ == Lifecycle::established) {
    enter(Lifecycle::connecting);
  }
  failback_timer_.cancel();
  if (change.refusal) {
    ++counters_.refusals;
    report_failure(spdlog::level::err,
                   broker_name(brokers_.current()) + " refused the connection: " + reason);
  } else if (stop_requested()) {
    spdlog::info("mqtt: disconnected ({})", reason);
  } else if (failback_transport_) {
    spdlog::info("mqtt: disconnected for the failback");
  } else {
    // A broker that accepts and then breaks every connection the same way
    // would otherwise add a line at every reconnect.
    const RepeatLimiter::Verdict verdict = losses_.check(reason, now());
    failure_logged_ = verdict.log;
    if (!verdict.log) {
      spdlog::debug("mqtt: connection lost: {}", reason);
    } else if (verdict.held_back == 0) {
      spdlog::warn("mqtt: connection lost: {}", reason);
    } else {
      spdlog::warn("mqtt: connection lost: {} ({} more lost the same way since the last report)",
                   reason, verdict.held_back);
    }
  }
  if (link_ && !link_->closed) {
    // The DISCONNECT queued for a stop or a failback goes out first.
    if (stop_requested() || failback_transport_) {
      link_->close_after_flush = true;
      if (!link_->writing) {
        link_->writing = true;
        asio::co_spawn(executor_, write_queued(link_), report_escape);
      }
    } else {
      close_link(link_);
    }
  }
  notify({false, false, change.refusal, std::move(reason)});
}

void Client::on_publish_completed(std::uint64_t tag) {
  const auto found = publishes_.find(tag);
  if (found == publishes_.end()) {
    return;
  }
  if (found->second.level == packet::Qos::at_most_once) {
    // QoS 0 is complete once written; the writer calls back at that point.
    if (link_ && !link_->closed) {
      link_->qos0_done.emplace_back(link_->queued, tag);
    } else {
      complete_publish(tag, stopped_error("connection ended before the message was written"));
    }
    return;
  }
  complete_publish(tag, {});
}

void Client::complete_publish(std::uint64_t tag, const Result<>& outcome) {
  auto entry = publishes_.extract(tag);
  if (entry.empty()) {
    return;
  }
  if (outcome) {
    ++counters_.acked;
  }
  if (entry.mapped().done) {
    entry.mapped().done(outcome);
  }
}

// A request the core could not carry out. A SUBSCRIBE cut off by a lost
// connection waits for the next one; other failures go to the caller.
void Client::on_rejected(const event::CommandRejected& rejected) {
  if (publishes_.contains(rejected.tag)) {
    complete_publish(rejected.tag, rejected.why);
    return;
  }
  const auto found = subscribes_.find(rejected.tag);
  if (found == subscribes_.end()) {
    spdlog::warn("mqtt: core refused a command: {}", rejected.why.reason);
    return;
  }
  if (!found->second.done) {
    subscribes_.erase(found);  // a restore request is made again on the next connect
    return;
  }
  if (rejected.why.code == Errc::not_connected && !stop_requested()) {
    found->second.sent = false;
    return;
  }
  SubscribeHandler done = std::move(found->second.done);
  subscribes_.erase(found);
  done(rejected.why);
}

void Client::on_subscribed(event::SubscribeCompleted& completed) {
  auto entry = subscribes_.extract(completed.tag);
  if (entry.empty()) {
    return;
  }
  const std::vector<packet::Subscription>& filters = entry.mapped().filters;
  for (std::size_t i = 0; i < filters.size() && i < completed.reasons.size(); ++i) {
    const bool granted = !is_failure(completed.reasons[i]);
    if (!granted) {
      spdlog::warn(
          "mqtt: the broker refused the subscription to {}: {}; asking again at the next "
          "connection",
          filters[i].filter, to_string(completed.reasons[i]));
    }
    subscribed_.insert_or_assign(filters[i].filter, Subscribed{filters[i], granted});
  }
  if (entry.mapped().done) {
    entry.mapped().done(std::move(completed.reasons));
  }
}

void Client::send_subscribe(std::uint64_t tag) {
  const auto found = subscribes_.find(tag);
  if (found == subscribes_.end()) {
    return;
  }
  found->second.sent = true;
  handle(session_.subscribe(found->second.filters, tag, now()));
}

// The core's timer of `kind`; a wait that was replaced or cancelled after it
// had already fired is recognised by its generation and ignored.
void Client::arm_timer(event::TimerKind kind, std::chrono::milliseconds after) {
  const std::size_t i = index_of(kind);
  const std::uint64_t generation = ++timer_generation_[i];
  timers_[i].expires_after(after);
  timers_[i].async_wait([this, kind, i, generation](error_code cancelled) {
    if (!cancelled && generation == timer_generation_[i]) {
      handle(session_.on_timer(kind, now()));
    }
  });
}

void Client::cancel_timer(event::TimerKind kind) {
  const std::size_t i = index_of(kind);
  ++timer_generation_[i];
  timers_[i].cancel();
}

void Client::close_link(const std::shared_ptr<Link>& current) {
  if (current->closed) {
    return;
  }
  current->closed = true;
  current->stream->close();
  current->drained.cancel();
  while (!current->qos0_done.empty()) {
    const std::uint64_t tag = current->qos0_done.front().second;
    current->qos0_done.pop_front();
    complete_publish(tag, stopped_error("connection ended before the message was written"));
  }
}

// The end of stop(): nothing runs any more; what still waits is given up.
void Client::finish_stop() {
  for (std::size_t i = 0; i < timers_.size(); ++i) {
    ++timer_generation_[i];
    timers_[i].cancel();
  }
  stop_guard_.cancel();
  enter(Lifecycle::stopped);
  std::vector<std::uint64_t> waiting;
  for (const auto& [tag, entry] : publishes_) {
    waiting.push_back(tag);
  }
  std::sort(waiting.begin(), waiting.end());
  for (const std::uint64_t tag : waiting) {
    complete_publish(tag, stopped_error("the MQTT client stopped before the broker acknowledged"));
  }
  for (auto& [tag, request] : std::exchange(subscribes_, {})) {
    if (request.done) {
      request.done(stopped_error("the MQTT client stopped"));
    }
  }
  if (stop_done_) {
    std::exchange(stop_done_, {})();
  }
}

// start() leaves idle; a CONNACK and the end of a connection alternate
// between connecting and established; stop() may come in any of those three;
// finish_stop() ends it all.
bool Client::allowed(Lifecycle from, Lifecycle to) noexcept {
  switch (to) {
    case Lifecycle::connecting:
      return from == Lifecycle::idle || from == Lifecycle::established;
    case Lifecycle::established:
      return from == Lifecycle::connecting;
    case Lifecycle::stopping:
      return from == Lifecycle::idle || from == Lifecycle::connecting ||
             from == Lifecycle::established;
    case Lifecycle::stopped:
      return from == Lifecycle::stopping;
    case Lifecycle::idle:
      return false;
  }
  return false;
}

void Client::enter(Lifecycle next) {
  assert(allowed(lifecycle_, next));
  if (std::exchange(lifecycle_, next) == Lifecycle::established) {
    // stop() leaves `established` just before the core's DISCONNECT ends
    // the connection, so that ending is counted here too.
    ++counters_.disconnects;
  }
}

bool Client::stop_requested() const noexcept {
  return lifecycle_ == Lifecycle::stopping || lifecycle_ == Lifecycle::stopped;
}

void Client::notify(ConnectionEvent change) {
  if (on_state_) {
    on_state_(change);
  }
}

void Client::report_failure(spdlog::level::level_enum level, const std::string& reason) {
  const RepeatLimiter::Verdict verdict = failures_.check(reason, now());
  failure_logged_ = verdict.log;
  if (!verdict.log) {
    spdlog::debug("mqtt: {}", reason);
  } else if (verdict.held_back == 0) {
    spdlog::log(level, "mqtt: {}", reason);
  } else {
    spdlog::log(level, "mqtt: {} ({} failed attempts not logged since the last report)", reason,
                verdict.held_back);
  }
}

void Client::report_dropped(const event::MessageDropped& dropped) {
  ++counters_.dropped_oversized;
  // One key for every drop: topics and sizes vary, the flood is one thing.
  const RepeatLimiter::Verdict verdict = drops_.check("dropped", now());
  if (!verdict.log) {
    return;
  }
  const std::string topic =
      dropped.topic.empty() ? std::string("a topic too long to keep") : dropped.topic;
  std::string held_back;
  if (verdict.held_back > 0) {
    held_back = " (" + std::to_string(verdict.held_back) + " more dropped since the last report)";
  }
  spdlog::warn(
      "mqtt: dropped a message of {} bytes on {} (QoS {}{}): {}; acknowledged, not "
      "delivered{}",
      dropped.size, topic, static_cast<int>(dropped.qos), dropped.retain ? ", retained" : "",
      dropped.reason, held_back);
}

}  // namespace iotgw::bridge::mqtt::io
