// The sans-I/O MQTT client session, in 3.1.1 or 5.0: it turns commands, received bytes
// and fired timers into events (bytes to send, timers to arm, completions,
// state changes). Time comes in as `now`; nothing here reads a clock, owns a
// socket or a timer. A reconnect uses the same session object with a fresh
// transport, so in-flight messages survive it. In MQTT 5 it also keeps the
// broker's limits of the connection (Receive Maximum, Maximum Packet Size,
// Maximum QoS, Retain Available, Topic Alias Maximum, Server Keep Alive) and
// assigns outbound topic aliases; messages are kept unencoded and encoded at
// each send, because aliases and even the version may differ by connection.
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

#include <boost/unordered/unordered_flat_map.hpp>

#include "bridge/mqtt/event.hpp"
#include "bridge/mqtt/packet/packet.hpp"
#include "bridge/mqtt/stream_decoder.hpp"
#include "bridge/mqtt/topic_aliases.hpp"

namespace iotgw::bridge::mqtt {

using TimePoint = std::chrono::steady_clock::time_point;

struct SessionConfig {
  // The protocol version CONNECT announces and every packet is coded in.
  packet::Version version = packet::Version::v3_1_1;
  // With version 5: if the broker refuses MQTT 5, speak 3.1.1 from then on.
  bool fall_back_to_3_1_1 = false;
  // Client id, clean session, keep alive, will and credentials. In MQTT 5 the
  // session adds Session Expiry Interval and Maximum Packet Size to the
  // CONNECT properties; in 3.1.1 every property is left out.
  mqtt::packet::Connect connect;
  // MQTT 5 Session Expiry Interval, seconds (0: the session ends with the
  // connection).
  std::uint32_t session_expiry = 0;
  // MQTT 5: outbound topic aliases at most (0: none).
  std::uint16_t topic_aliases = 0;
  // How many QoS 1/2 PUBLISHes may await acknowledgement at once.
  std::size_t max_in_flight = 64;
  // QoS 1/2 messages are given back (not_connected) when their connection
  // ends, and refused while there is none, instead of waiting to be resent on
  // the next one: for a caller whose messages are only valid on the
  // connection they were made for (Sparkplug B numbers them per connection,
  // after its birth) and who sends them again itself.
  bool in_flight_ends_with_connection = false;
  packet::DecodeLimits limits;
  std::chrono::milliseconds connack_timeout{10'000};
};

// 5.0 3.2.2.3: what the broker allows on the current connection; MQTT 3.1.1
// brokers get the defaults, which limit nothing.
struct BrokerLimits {
  std::uint16_t receive_maximum = 65535;
  std::uint32_t maximum_packet_size = 0xFFFF'FFFF;
  std::uint16_t topic_alias_maximum = 0;
  packet::Qos maximum_qos = packet::Qos::exactly_once;
  bool retain_available = true;

  friend bool operator==(const BrokerLimits&, const BrokerLimits&) = default;
};

class Session {
 public:
  static constexpr std::chrono::milliseconds first_quota_pause{1'000};
  static constexpr std::chrono::milliseconds longest_quota_pause{60'000};

  explicit Session(SessionConfig config);

  // 3.1: starts a connection on a freshly opened transport: sends CONNECT.
  Events connect(TimePoint now);

  // The will of the next CONNECT, and of every one after it.
  void set_will(std::optional<packet::Will> will) { config_.connect.will = std::move(will); }

  // 3.14: sends DISCONNECT and ends the connection; the I/O layer closes.
  // With `publish_will` MQTT 5 asks the broker to publish the will all the
  // same (reason 0x04); 3.1.1 has no such DISCONNECT, and the will is dropped.
  Events disconnect(TimePoint now, bool publish_will = false);

  // The transport failed or was closed; in-flight messages wait for the next
  // connect() and are resent then (4.4).
  Events connection_lost(TimePoint now);

  // 2.2, 4.3: bytes read from the transport, in any chunking.
  Events feed(std::span<const std::uint8_t> bytes, TimePoint now);

  // A timer the core asked for has fired.
  Events on_timer(event::TimerKind kind, TimePoint now);

  // 3.3, 4.3: publishes a message; `tag` comes back in publish_completed.
  // QoS 1/2 messages take a slot of the in-flight window and, when not
  // connected, wait for the next CONNACK; QoS 0 needs a connection. In MQTT
  // 3.1.1 the message's properties are left out.
  Events publish(const packet::PublishView& message, std::uint64_t tag, TimePoint now);

  // 3.8: asks for subscriptions; the answer is a subscribe_completed event.
  // In MQTT 3.1.1 the MQTT 5 subscription options are left out.
  Events subscribe(std::vector<packet::Subscription> subscriptions, std::uint64_t tag,
                   TimePoint now);

  // 3.10: drops subscriptions; the answer is an unsubscribe_completed event.
  Events unsubscribe(std::vector<std::string> filters, std::uint64_t tag, TimePoint now);

  event::ConnectionState state() const noexcept { return state_; }
  packet::Version version() const noexcept { return config_.version; }
  const BrokerLimits& broker_limits() const noexcept { return limits_; }
  std::size_t topic_aliases_in_use() const noexcept { return aliases_.in_use(); }
  std::size_t in_flight() const noexcept { return outbound_.size(); }
  // Messages accepted and not complete, at most max_in_flight. Of them, no
  // more than the broker's Receive Maximum are on the wire (5.0 4.9); the
  // rest wait in the session, also while disconnected.
  bool window_full() const noexcept { return outbound_.size() >= config_.max_in_flight; }
  std::size_t on_wire() const noexcept { return on_wire_count_; }

 private:
  // 4.3.2, 4.3.3: where an outgoing QoS 1/2 message stands.
  enum class Stage { await_puback, await_pubrec, await_pubcomp };

  struct Outbound {
    std::uint64_t tag = 0;
    std::uint16_t packet_id = 0;
    Stage at = Stage::await_puback;
    bool sent = false;        // went out on some connection: resend with DUP
    bool on_wire = false;     // sent on this connection: counts against Receive Maximum
    bool downgraded = false;  // sent at the broker's lower Maximum QoS
    packet::Publish message;  // QoS as asked; encoded at each send
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
  // MQTT 5: says why with a DISCONNECT (5.0 4.13), then closes.
  void close_with(packet::ReasonCode reason, std::string why, TimePoint now, Events& out);
  void fall_back(std::string reason, Events& out);
  bool may_fall_back() const noexcept;
  packet::Connect connect_packet() const;
  void take_limits(const packet::Connack& ack);
  // Sends what waits while Receive Maximum allows, in order.
  void send_waiting(TimePoint now, Events& out);
  // Encodes and sends one QoS 1/2 message for this connection; false when it
  // cannot be sent and was completed as failed instead.
  bool send_publish(std::map<std::uint64_t, Outbound>::iterator entry, TimePoint now, Events& out);
  void finish(std::map<std::uint64_t, Outbound>::iterator entry, event::PublishCompleted done,
              Events& out);
  Result<> check_fits(packet::PublishView view) const;
  std::optional<TopicAliases::Use> alias_for(const packet::PublishView& view);
  Result<std::size_t> render(packet::PublishView view, std::vector<std::uint8_t>& bytes);
  void publish_now(const packet::PublishView& view, std::uint64_t tag, TimePoint now, Events& out);
  void handle(packet::Packet&& incoming, TimePoint now, Events& out);
  void on_connack(const packet::Connack& ack, TimePoint now, Events& out);
  void on_publish(mqtt::packet::Publish&& message, TimePoint now, Events& out);
  void on_oversized_publish(const OversizedPublish& message, TimePoint now, Events& out);
  void on_puback(const packet::Puback& ack, TimePoint now, Events& out);
  void on_pubrec(const packet::Pubrec& ack, TimePoint now, Events& out);
  void on_pubcomp(std::uint16_t id, TimePoint now, Events& out);
  void on_disconnect(const packet::Disconnect& goodbye, Events& out);
  // The broker refused `entry` for its quota: it is kept to go out again.
  void pause_for_quota(std::map<std::uint64_t, Outbound>::iterator entry, Events& out);
  void on_request_ack(std::uint16_t id, const packet::Suback* suback, Events& out);
  void resend_in_flight(bool session_present, TimePoint now, Events& out);
  TimePoint keepalive_deadline() const;
  void fail_pending_requests(Events& out);
  void give_back_in_flight(Events& out);

  SessionConfig config_;
  event::ConnectionState state_ = event::ConnectionState::disconnected;
  StreamDecoder decoder_;
  std::chrono::milliseconds keep_alive_;
  BrokerLimits limits_;
  TopicAliases aliases_;
  // The first bytes of the connection: a 3.1.1 CONNACK answering our MQTT 5
  // CONNECT is recognised by its shape (20 02 ..).
  std::vector<std::uint8_t> head_;
  bool version_confirmed_ = false;  // a CONNACK accepted the version once
  std::size_t on_wire_count_ = 0;
  // 5.0 4.13 / reason 0x97: after Quota exceeded nothing new goes out until
  // the pause ends; each further refusal doubles the pause, a success resets it.
  bool quota_paused_ = false;
  std::chrono::milliseconds quota_pause_ = first_quota_pause;

  // Send order of outgoing QoS 1/2 messages, for resending in order (4.6).
  std::map<std::uint64_t, Outbound> outbound_;
  boost::unordered_flat_map<std::uint16_t, std::uint64_t> outbound_by_id_;
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
