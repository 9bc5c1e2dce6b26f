// The sans-I/O MQTT 3.1.1 client session: it turns commands, received bytes
// and fired timers into events (bytes to send, timers to arm, completions,
// state changes). Time comes in as `now`; nothing here reads a clock, owns a
// socket or a timer. A reconnect uses the same session object with a fresh
// transport, so in-flight messages survive it.
#pragma once

#include <bitset>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "bridge/mqtt/event.hpp"
#include "bridge/mqtt/packet/packet.hpp"
#include "bridge/mqtt/stream_decoder.hpp"

namespace iotgw::bridge::mqtt {

using TimePoint = std::chrono::steady_clock::time_point;

struct SessionConfig {
  // The protocol version CONNECT announces and every packet is coded in.
  packet::Version version = packet::Version::v3_1_1;
  // Client id, clean session, keep alive, will and credentials, sent as is.
  mqtt::packet::Connect connect;
  // How many QoS 1/2 PUBLISHes may await acknowledgement at once.
  std::size_t max_in_flight = 64;
  packet::DecodeLimits limits;
  std::chrono::milliseconds connack_timeout{10'000};
};

class Session {
 public:
  explicit Session(SessionConfig config);

  // 3.1: starts a connection on a freshly opened transport: sends CONNECT.
  Events connect(TimePoint now);

  // 3.14: sends DISCONNECT and ends the connection; the I/O layer closes.
  Events disconnect(TimePoint now);

  // The transport failed or was closed; in-flight messages wait for the next
  // connect() and are resent then (4.4).
  Events connection_lost(TimePoint now);

  // 2.2, 4.3: bytes read from the transport, in any chunking.
  Events feed(std::span<const std::uint8_t> bytes, TimePoint now);

  // A timer the core asked for has fired.
  Events on_timer(event::TimerKind kind, TimePoint now);

  // 3.3, 4.3: publishes a message; `tag` comes back in publish_completed.
  // QoS 1/2 messages take a slot of the in-flight window and, when not
  // connected, wait for the next CONNACK; QoS 0 needs a connection.
  Events publish(const packet::PublishView& message, std::uint64_t tag, TimePoint now);

  // 3.8: asks for subscriptions; the answer is a subscribe_completed event.
  Events subscribe(std::vector<packet::Subscription> subscriptions, std::uint64_t tag,
                   TimePoint now);

  // 3.10: drops subscriptions; the answer is an unsubscribe_completed event.
  Events unsubscribe(std::vector<std::string> filters, std::uint64_t tag, TimePoint now);

  event::ConnectionState state() const noexcept { return state_; }
  packet::Version version() const noexcept { return config_.version; }
  std::size_t in_flight() const noexcept { return outbound_.size(); }
  bool window_full() const noexcept { return outbound_.size() >= config_.max_in_flight; }

 private:
  // 4.3.2, 4.3.3: where an outgoing QoS 1/2 message stands.
  enum class Stage { await_puback, await_pubrec, await_pubcomp };

  struct Outbound {
    std::uint64_t tag = 0;
    std::uint16_t packet_id = 0;
    Stage at = Stage::await_puback;
    bool sent = false;  // went out on some connection: resend with DUP
    mqtt::packet::Qos qos = mqtt::packet::Qos::at_least_once;
    std::vector<std::uint8_t> encoded;  // the PUBLISH, for resending
  };

  struct PendingRequest {
    std::uint64_t tag = 0;
    std::size_t filter_count = 0;
    bool is_subscribe = true;
  };

  std::uint16_t allocate_packet_id();
  void release_packet_id(std::uint16_t id);
  void send_packet(const std::vector<std::uint8_t>& bytes, TimePoint now, Events& out);
  template <class P>
  void send_packet(const P& p, TimePoint now, Events& out);
  void close(std::string reason, Events& out, std::optional<packet::ReasonCode> refusal = {});
  void handle(packet::Packet&& incoming, TimePoint now, Events& out);
  void on_connack(const packet::Connack& ack, TimePoint now, Events& out);
  void on_publish(mqtt::packet::Publish&& message, TimePoint now, Events& out);
  void on_oversized_publish(const OversizedPublish& message, TimePoint now, Events& out);
  void on_puback(std::uint16_t id, Events& out);
  void on_pubrec(std::uint16_t id, TimePoint now, Events& out);
  void on_pubcomp(std::uint16_t id, Events& out);
  void on_request_ack(std::uint16_t id, const packet::Suback* suback, Events& out);
  void resend_in_flight(bool session_present, TimePoint now, Events& out);
  TimePoint keepalive_deadline() const;
  void fail_pending_requests(Events& out);

  SessionConfig config_;
  event::ConnectionState state_ = event::ConnectionState::disconnected;
  StreamDecoder decoder_;
  std::chrono::milliseconds keep_alive_;

  // Send order of outgoing QoS 1/2 messages, for resending in order (4.6).
  std::map<std::uint64_t, Outbound> outbound_;
  std::unordered_map<std::uint16_t, std::uint64_t> outbound_by_id_;
  std::uint64_t next_sequence_ = 0;

  std::unordered_map<std::uint16_t, PendingRequest> requests_;
  // 4.3.3 method B: QoS 2 ids received and delivered, awaiting PUBREL.
  std::unordered_set<std::uint16_t> inbound_qos2_;

  std::bitset<65536> ids_in_use_;
  std::uint16_t last_id_ = 0;

  TimePoint connect_started_{};
  TimePoint last_sent_{};
  TimePoint last_received_{};
  bool ping_outstanding_ = false;
};

}  // namespace iotgw::bridge::mqtt
