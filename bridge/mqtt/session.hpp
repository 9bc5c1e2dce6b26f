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

namespace iotgw::mqtt {

using time_point = std::chrono::steady_clock::time_point;

struct session_config {
  // Client id, clean session, keep alive, will and credentials, sent as is.
  mqtt::connect connect;
  // How many QoS 1/2 PUBLISHes may await acknowledgement at once.
  std::size_t max_in_flight = 64;
  decode_limits limits;
  std::chrono::milliseconds connack_timeout{10'000};
};

class session {
 public:
  explicit session(session_config config);

  // 3.1: starts a connection on a freshly opened transport: sends CONNECT.
  events connect(time_point now);

  // 3.14: sends DISCONNECT and ends the connection; the I/O layer closes.
  events disconnect(time_point now);

  // The transport failed or was closed; in-flight messages wait for the next
  // connect() and are resent then (4.4).
  events connection_lost(time_point now);

  // 2.2, 4.3: bytes read from the transport, in any chunking.
  events feed(std::span<const std::uint8_t> bytes, time_point now);

  // A timer the core asked for has fired.
  events on_timer(timer_kind kind, time_point now);

  // 3.3, 4.3: publishes a message; `tag` comes back in publish_completed.
  // QoS 1/2 messages take a slot of the in-flight window and, when not
  // connected, wait for the next CONNACK; QoS 0 needs a connection.
  events publish(const publish_view& message, std::uint64_t tag, time_point now);

  // 3.8: asks for subscriptions; the answer is a subscribe_completed event.
  events subscribe(std::vector<subscription> subscriptions, std::uint64_t tag, time_point now);

  // 3.10: drops subscriptions; the answer is an unsubscribe_completed event.
  events unsubscribe(std::vector<std::string> filters, std::uint64_t tag, time_point now);

  connection_state state() const noexcept { return state_; }
  std::size_t in_flight() const noexcept { return outbound_.size(); }
  bool window_full() const noexcept { return outbound_.size() >= config_.max_in_flight; }

 private:
  // 4.3.2, 4.3.3: where an outgoing QoS 1/2 message stands.
  enum class stage { await_puback, await_pubrec, await_pubcomp };

  struct outbound {
    std::uint64_t tag = 0;
    std::uint16_t packet_id = 0;
    stage at = stage::await_puback;
    bool sent = false;  // went out on some connection: resend with DUP
    mqtt::qos qos = mqtt::qos::at_least_once;
    std::vector<std::uint8_t> encoded;  // the PUBLISH, for resending
  };

  struct pending_request {
    std::uint64_t tag = 0;
    std::size_t filter_count = 0;
    bool is_subscribe = true;
  };

  std::uint16_t allocate_packet_id();
  void release_packet_id(std::uint16_t id);
  void send_packet(const std::vector<std::uint8_t>& bytes, time_point now, events& out);
  template <class P>
  void send_packet(const P& p, time_point now, events& out);
  void close(std::string reason, events& out, std::optional<connack_code> refusal = {});
  void handle(packet&& incoming, time_point now, events& out);
  void on_connack(const connack& ack, time_point now, events& out);
  void on_publish(mqtt::publish&& message, time_point now, events& out);
  void on_oversized_publish(const oversized_publish& message, time_point now, events& out);
  void on_puback(std::uint16_t id, events& out);
  void on_pubrec(std::uint16_t id, time_point now, events& out);
  void on_pubcomp(std::uint16_t id, events& out);
  void on_request_ack(std::uint16_t id, const suback* codes, events& out);
  void resend_in_flight(bool session_present, time_point now, events& out);
  time_point keepalive_deadline() const;
  void fail_pending_requests(events& out);

  session_config config_;
  connection_state state_ = connection_state::disconnected;
  stream_decoder decoder_;
  std::chrono::milliseconds keep_alive_;

  // Send order of outgoing QoS 1/2 messages, for resending in order (4.6).
  std::map<std::uint64_t, outbound> outbound_;
  std::unordered_map<std::uint16_t, std::uint64_t> outbound_by_id_;
  std::uint64_t next_sequence_ = 0;

  std::unordered_map<std::uint16_t, pending_request> requests_;
  // 4.3.3 method B: QoS 2 ids received and delivered, awaiting PUBREL.
  std::unordered_set<std::uint16_t> inbound_qos2_;

  std::bitset<65536> ids_in_use_;
  std::uint16_t last_id_ = 0;

  time_point connect_started_{};
  time_point last_sent_{};
  time_point last_received_{};
  bool ping_outstanding_ = false;
};

}  // namespace iotgw::mqtt
