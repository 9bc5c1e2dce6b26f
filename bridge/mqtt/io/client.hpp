// The MQTT client on the io_context: the Asio layer around the sans-I/O
// session core. It owns one steady_timer per core timer kind, a fresh
// transport per connection attempt, a reader coroutine feeding the core and an
// ordered write queue that coalesces everything pending into one write. After
// any transport or protocol failure, and after a CONNACK refusal, it closes
// and tries the next broker of mqtt.url; once every broker failed in turn it
// waits (exponential backoff with full jitter between reconnect_min and
// reconnect_max, reset by an accepted CONNACK) first. QoS 1/2 messages in
// flight survive that and are resent, on whichever broker comes next. While
// on a later broker it checks the first one every mqtt.failback and, once
// that answers, ends the current connection with DISCONNECT and connects
// there: one connection at a time.
//
// Every member function must be called on the executor's thread, and the
// object must outlive its work: destroy it after stop() has called back, or
// after the io_context has stopped running.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/common.h>

#include "bridge/mqtt/backoff.hpp"
#include "bridge/mqtt/broker_rotation.hpp"
#include "bridge/mqtt/error.hpp"
#include "bridge/mqtt/io/transport.hpp"
#include "bridge/mqtt/repeat_limiter.hpp"
#include "bridge/mqtt/session.hpp"
#include "config/config.hpp"

namespace iotgw::bridge::mqtt::io {

struct ClientCounters {
  std::uint64_t connect_attempts = 0;  // transports opened or tried
  std::uint64_t connects = 0;          // CONNACKs accepting the connection
  std::uint64_t refusals = 0;          // CONNACKs refusing it
  std::uint64_t disconnects = 0;       // established connections that ended
  std::uint64_t published = 0;         // publish() calls accepted
  std::uint64_t acked = 0;             // publishes completed (PUBACK, PUBCOMP, QoS 0 written)
  std::uint64_t received = 0;          // application messages delivered to the handler
  // Messages above max_packet_size: acknowledged to the broker, not delivered.
  std::uint64_t dropped_oversized = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  // MQTT 5: publishes the broker refused, by its reason code.
  std::map<packet::ReasonCode, std::uint64_t> refused;
  // Connections accepted by another broker of the list than the one before
  // (failbacks to the first broker included).
  std::uint64_t failovers = 0;
};

struct ClientOptions {
  // See SessionConfig::in_flight_ends_with_connection.
  bool in_flight_ends_with_connection = false;
};

// A change of the connection, as the state handler sees it.
struct ConnectionEvent {
  bool connected = false;
  bool session_present = false;               // with connected: the broker kept our session
  std::optional<packet::ReasonCode> refusal;  // the broker refused the CONNECT
  std::string reason;                         // why it ended (or "accepted")
};

class Client {
 public:
  // Called once per accepted publish: no error when the broker acknowledged
  // it (QoS 1/2) or it was written (QoS 0); an error when it was given up
  // (the client stopped, or a QoS 0 message's connection ended first).
  using PublishHandler = std::function<void(const Result<>&)>;
  // Called once per subscribe(): one code per filter (suback_code::failure is
  // a refusal by the broker), or an error when the request itself failed.
  using SubscribeHandler = std::function<void(const Result<std::vector<packet::ReasonCode>>&)>;
  using MessageHandler = std::function<void(const packet::Publish&)>;
  using StateHandler = std::function<void(const ConnectionEvent&)>;

  // Gives the will of the connection about to be made.
  using WillSource = std::function<std::optional<packet::Will>()>;

  Client(boost::asio::any_io_executor executor, const config::Mqtt& mqtt,
         ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void on_message(MessageHandler handler) { on_message_ = std::move(handler); }
  void on_state(StateHandler handler) { on_state_ = std::move(handler); }
  // Asked just before each CONNECT for the will it carries, instead of
  // mqtt.will (Sparkplug B's NDEATH carries a number that changes with each
  // connection).
  void will_of_each_connection(WillSource source) { will_source_ = std::move(source); }

  // Starts connecting; reconnects on its own until stop().
  void start();

  // Sends DISCONNECT if connected (so the broker drops the will), closes and
  // stops reconnecting; `done` runs on the executor once the connection is
  // gone. Publishes still waiting for an acknowledgement fail with
  // errc::not_connected so their store rows stay queued. A stopped client
  // does not start again; make a new one.
  void stop(std::function<void()> done);

  // 3.3: queues a message. Returns an error, and never calls `done`, when it
  // is refused at once: the in-flight window is full (QoS 1/2; the caller
  // waits for a completion and tries again, see window_full()), the topic or
  // size is invalid, a QoS 0 message while not connected or while a megabyte
  // waits for the socket (errc::window_full), or after stop().
  // QoS 1/2 messages accepted while disconnected go out after the next CONNACK.
  Result<> publish(std::string_view topic, std::span<const std::uint8_t> payload, packet::Qos level,
                   bool retain, PublishHandler done);
  // The same with MQTT 5 properties (left out when the connection speaks
  // 3.1.1). A message the broker refuses (MQTT 5: a PUBACK or PUBREC reason
  // code of 0x80 or more, or a size above its Maximum Packet Size) completes
  // with Errc::refused_by_broker and the broker's reason code.
  Result<> publish(const packet::PublishView& message, PublishHandler done);

  // 3.8: subscribes now if connected, else after the next CONNACK. Filters
  // the broker granted are subscribed again by the client after a reconnect
  // in which the broker lost the session (session present 0).
  void subscribe(std::vector<packet::Subscription> filters, SubscribeHandler done);

  // Drops the connection without DISCONNECT, as a network failure would (the
  // broker publishes the will); the client reconnects as after any failure.
  void abort_connection();

  bool connected() const noexcept { return session_.state() == event::ConnectionState::connected; }
  // The version of the current or next connection ("auto" falls back once).
  packet::Version version() const noexcept { return session_.version(); }
  std::size_t in_flight() const noexcept { return session_.in_flight(); }
  bool window_full() const noexcept { return session_.window_full(); }
  const ClientCounters& counters() const noexcept { return counters_; }
  // The index in mqtt.url of the broker connected, or tried next.
  std::size_t broker_index() const noexcept { return brokers_.current(); }

 private:
  // Where the client is in its life. idle until start(); then connecting
  // (a transport, CONNECT, or the pause before the next attempt) and
  // established (a CONNACK accepted the current connection) in turn; stopping
  // from stop() until nothing is left to wait for; then stopped for good.
  enum class Lifecycle { idle, connecting, established, stopping, stopped };

  // One connection attempt's stream and its write queue. Coroutines hold it
  // by shared_ptr, so a stale reader or writer never touches a newer one.
  struct Link {
    explicit Link(const boost::asio::any_io_executor& executor) : drained(executor) {}

    std::shared_ptr<Transport> stream;
    boost::asio::steady_timer drained;  // cancelled whenever the writer takes `pending`
    std::vector<std::uint8_t> pending;  // queued for the next write, in order
    std::vector<std::uint8_t> spare;    // the last write's buffer, reused
    std::uint64_t queued = 0;           // bytes ever queued on this link
    std::uint64_t written = 0;          // bytes ever written on this link
    std::deque<std::pair<std::uint64_t, std::uint64_t>> qos0_done;  // (queued mark, tag)
    bool writing = false;
    bool close_after_flush = false;
    bool closed = false;
    bool timed_out = false;  // closed because the transport did not connect in time
  };

  struct PendingPublish {
    packet::Qos level = packet::Qos::at_most_once;
    PublishHandler done;
  };

  struct PendingSubscribe {
    std::vector<packet::Subscription> filters;
    SubscribeHandler done;  // empty for the client's own restore request
    bool sent = false;
  };

  boost::asio::awaitable<void> run();
  // Failback: whether the first broker answers (a transport connects); if so
  // the current connection ends with DISCONNECT and run() goes there next.
  boost::asio::awaitable<void> probe_first_broker();
  void arm_failback();
  const config::Broker& broker() const { return config_.brokers[brokers_.current()]; }
  std::string broker_name(std::size_t index) const;
  boost::asio::awaitable<void> read_until_closed(std::shared_ptr<Link> current);
  boost::asio::awaitable<void> write_queued(std::shared_ptr<Link> current);
  void handle(Events batch);
  void on_state_changed(event::StateChanged& change);
  void on_publish_completed(std::uint64_t tag);
  void complete_publish(std::uint64_t tag, const Result<>& outcome);
  void on_rejected(const event::CommandRejected& rejected);
  void on_subscribed(event::SubscribeCompleted& completed);
  void queue_bytes(std::vector<std::uint8_t>&& bytes);
  void arm_timer(event::TimerKind kind, std::chrono::milliseconds after);
  void cancel_timer(event::TimerKind kind);
  void send_subscribe(std::uint64_t tag);
  void close_link(const std::shared_ptr<Link>& current);
  void finish_stop();
  // The one place the lifecycle changes; leaving `established` counts the
  // end of an established connection.
  void enter(Lifecycle next);
  static bool allowed(Lifecycle from, Lifecycle to) noexcept;
  bool stop_requested() const noexcept;
  void notify(ConnectionEvent change);
  // Logs why a connection attempt failed, holding back repeats of one reason.
  void report_failure(spdlog::level::level_enum level, const std::string& reason);
  // Counts a message the core dropped and logs it, at most once a minute
  // with how many went unlogged in between.
  void report_dropped(const event::MessageDropped& dropped);

  boost::asio::any_io_executor executor_;
  const config::Mqtt& config_;
  Session session_;
  Backoff backoff_;
  BrokerRotation brokers_;
  TransportFactory transports_;
  RepeatLimiter failures_;
  RepeatLimiter losses_;  // established connections that ended, never reset by a connect
  RepeatLimiter drops_;
  std::array<boost::asio::steady_timer, event::timer_kinds> timers_;  // by TimerKind
  std::array<std::uint64_t, event::timer_kinds>
      timer_generation_{};  // a fired wait of an older arming is stale
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer connect_timer_;
  boost::asio::steady_timer stop_guard_;
  boost::asio::steady_timer failback_timer_;
  std::shared_ptr<Link> link_;
  // A failback probe's transport while it connects to the first broker.
  std::shared_ptr<Transport> probing_;
  // Connected to the first broker by a failback probe: the next attempt's
  // transport, once the current connection has ended.
  std::shared_ptr<Transport> failback_transport_;
  // Cleared by the destructor, for a probe that resumes after it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::string lost_reason_;  // the transport error that ended the connection

  std::uint64_t next_tag_ = 1;
  std::unordered_map<std::uint64_t, PendingPublish> publishes_;
  std::map<std::uint64_t, PendingSubscribe> subscribes_;
  // Every filter asked for, by filter: made again after a lost session, and
  // at every connect while the broker refuses it.
  struct Subscribed {
    packet::Subscription subscription;
    bool granted = false;
  };
  std::map<std::string, Subscribed, std::less<>> subscribed_;

  MessageHandler on_message_;
  StateHandler on_state_;
  WillSource will_source_;
  std::function<void()> stop_done_;
  ClientCounters counters_;
  Lifecycle lifecycle_ = Lifecycle::idle;
  bool failure_logged_ = false;      // the last connection failure reached the log
  bool downgrade_reported_ = false;  // the broker's QoS 2 to QoS 1 downgrade was logged
};

}  // namespace iotgw::bridge::mqtt::io
