#include "bridge/mqtt/session.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <variant>

namespace iotgw::bridge::mqtt {
namespace {

using std::chrono::milliseconds;

// The wait from `now` to `deadline`, rounded up so a timer never fires early.
milliseconds until(TimePoint deadline, TimePoint now) {
  if (deadline <= now) {
    return milliseconds{0};
  }
  return std::chrono::ceil<milliseconds>(deadline - now);
}

Error not_connected(std::string_view what) {
  return Error{Errc::not_connected, std::string(what)};
}

}  // namespace

Session::Session(SessionConfig config)
    : config_(std::move(config)),
      decoder_(config_.version, config_.limits),
      keep_alive_(std::chrono::seconds{config_.connect.keep_alive}) {}

std::uint16_t Session::allocate_packet_id() {
  // 2.3.1: an id in use by an unacknowledged exchange is never handed out.
  for (std::uint32_t tries = 0; tries < 65535; ++tries) {
    last_id_ = last_id_ == 65535 ? 1 : static_cast<std::uint16_t>(last_id_ + 1);
    if (!ids_in_use_.test(last_id_)) {
      ids_in_use_.set(last_id_);
      return last_id_;
    }
  }
  return 0;
}

void Session::release_packet_id(std::uint16_t id) {
  ids_in_use_.reset(id);
}

// Hands bytes to the transport and notes when, for the keepalive (3.1.2.10).
void Session::send_packet(const std::vector<std::uint8_t>& bytes, TimePoint now, Events& out) {
  out.emplace_back(event::Send{bytes});
  last_sent_ = now;
}

template <class P>
void Session::send_packet(const P& p, TimePoint now, Events& out) {
  event::Send message;
  // Packets built here from validated fields cannot fail to encode.
  if (encode(p, config_.version, message.bytes)) {
    out.emplace_back(std::move(message));
    last_sent_ = now;
  }
}

// 4.8: ends the connection: stops every timer, fails requests still waiting
// for an answer and says why; in-flight PUBLISHes stay for the next one (4.4).
void Session::close(std::string reason, Events& out, std::optional<packet::ReasonCode> refusal) {
  if (state_ == event::ConnectionState::disconnected) {
    return;
  }
  state_ = event::ConnectionState::disconnected;
  ping_outstanding_ = false;
  out.emplace_back(event::TimerCancel{event::TimerKind::connack_timeout});
  out.emplace_back(event::TimerCancel{event::TimerKind::keepalive});
  out.emplace_back(event::TimerCancel{event::TimerKind::peer_timeout});
  fail_pending_requests(out);
  out.emplace_back(
      event::StateChanged{event::ConnectionState::disconnected, false, refusal, std::move(reason)});
}

// SUBSCRIBE and UNSUBSCRIBE are not resent on a new connection (4.4 covers
// only PUBLISH and PUBREL): their callers learn they must ask again.
void Session::fail_pending_requests(Events& out) {
  for (const auto& [id, request] : requests_) {
    out.emplace_back(event::CommandRejected{
        request.tag, not_connected("connection ended before the broker answered")});
    release_packet_id(id);
  }
  requests_.clear();
}

// 3.1: a fresh transport starts with CONNECT and waits for CONNACK.
Events Session::connect(TimePoint now) {
  Events out;
  if (state_ != event::ConnectionState::disconnected) {
    out.emplace_back(event::CommandRejected{
        0, Error{Errc::protocol_violation, "connect() while a connection is active"}});
    return out;
  }
  event::Send message;
  auto written = encode(config_.connect, config_.version, message.bytes);
  if (!written) {
    out.emplace_back(event::StateChanged{event::ConnectionState::disconnected, false, std::nullopt,
                                         "invalid CONNECT: " + written.error().reason});
    return out;
  }
  decoder_.reset(config_.version);
  state_ = event::ConnectionState::connecting;
  ping_outstanding_ = false;
  connect_started_ = now;
  last_received_ = now;
  out.emplace_back(
      event::StateChanged{event::ConnectionState::connecting, false, std::nullopt, {}});
  out.emplace_back(std::move(message));
  last_sent_ = now;
  out.emplace_back(event::TimerSet{event::TimerKind::connack_timeout, config_.connack_timeout});
  return out;
}

// 3.14: DISCONNECT is the last packet the client sends on a connection.
Events Session::disconnect(TimePoint now) {
  Events out;
  if (state_ == event::ConnectionState::connected) {
    send_packet(mqtt::packet::Disconnect{}, now, out);
  }
  close("disconnect requested", out);
  return out;
}

Events Session::connection_lost(TimePoint) {
  Events out;
  close("transport closed", out);
  return out;
}

// 2.2, 4.8: decode what arrived and act on each packet in order; anything
// malformed or out of place ends the connection (4.8: close on violation).
Events Session::feed(std::span<const std::uint8_t> bytes, TimePoint now) {
  Events out;
  if (state_ == event::ConnectionState::disconnected || bytes.empty()) {
    return out;
  }
  last_received_ = now;
  std::vector<StreamItem> items;
  const Result<> decoded = decoder_.feed(bytes, items);
  for (auto& item : items) {
    if (auto* incoming = std::get_if<packet::Packet>(&item)) {
      handle(std::move(*incoming), now, out);
    } else {
      on_oversized_publish(std::get<OversizedPublish>(item), now, out);
    }
    if (state_ == event::ConnectionState::disconnected) {
      return out;
    }
  }
  if (!decoded) {
    close("malformed packet from the broker: " + decoded.error().reason, out);
  }
  return out;
}

void Session::handle(packet::Packet&& incoming, TimePoint now, Events& out) {
  const packet::PacketType type = type_of(incoming);
  if (state_ == event::ConnectionState::connecting && type != packet::PacketType::connack) {
    // 3.2: the first packet from the server is CONNACK.
    close("expected CONNACK, got " + std::string(to_string(type)), out);
    return;
  }
  switch (type) {
    case packet::PacketType::connack:
      on_connack(std::get<packet::Connack>(incoming), now, out);
      return;
    case packet::PacketType::publish:
      on_publish(std::get<mqtt::packet::Publish>(std::move(incoming)), now, out);
      return;
    case packet::PacketType::puback:
      on_puback(std::get<packet::Puback>(incoming).packet_id, out);
      return;
    case packet::PacketType::pubrec:
      on_pubrec(std::get<packet::Pubrec>(incoming).packet_id, now, out);
      return;
    case packet::PacketType::pubrel: {
      // 4.3.3: answer every PUBREL with PUBCOMP, known id or not.
      const std::uint16_t id = std::get<packet::Pubrel>(incoming).packet_id;
      inbound_qos2_.erase(id);
      send_packet(packet::Pubcomp{id}, now, out);
      return;
    }
    case packet::PacketType::pubcomp:
      on_pubcomp(std::get<packet::Pubcomp>(incoming).packet_id, out);
      return;
    case packet::PacketType::suback: {
      const packet::Suback& ack = std::get<packet::Suback>(incoming);
      on_request_ack(ack.packet_id, &ack, out);
      return;
    }
    case packet::PacketType::unsuback:
      on_request_ack(std::get<packet::Unsuback>(incoming).packet_id, nullptr, out);
      return;
    case packet::PacketType::pingresp:
      ping_outstanding_ = false;
      return;
    case packet::PacketType::connect:
    case packet::PacketType::subscribe:
    case packet::PacketType::unsubscribe:
    case packet::PacketType::pingreq:
    case packet::PacketType::disconnect:
    case packet::PacketType::auth:
      close(std::string(to_string(type)) + " is a client-to-server packet", out);
      return;
  }
}

// 3.2.2: accepted or refused; on acceptance resend what is in flight (4.4)
// and start the keepalive (3.1.2.10).
void Session::on_connack(const packet::Connack& ack, TimePoint now, Events& out) {
  if (state_ != event::ConnectionState::connecting) {
    close("CONNACK on an established connection", out);
    return;
  }
  if (is_failure(ack.reason)) {
    close("broker refused: " + std::string(to_string(ack.reason)), out, ack.reason);
    return;
  }
  if (config_.connect.clean_session && ack.session_present) {
    // 3.2.2.2: with CleanSession set the server must answer Session Present 0.
    close("CONNACK claims a session although a clean session was asked for", out);
    return;
  }
  state_ = event::ConnectionState::connected;
  out.emplace_back(event::TimerCancel{event::TimerKind::connack_timeout});
  out.emplace_back(event::StateChanged{event::ConnectionState::connected, ack.session_present,
                                       std::nullopt, "connection accepted"});
  if (!ack.session_present) {
    inbound_qos2_.clear();
  }
  resend_in_flight(ack.session_present, now, out);
  if (keep_alive_.count() > 0) {
    out.emplace_back(
        event::TimerSet{event::TimerKind::keepalive, until(keepalive_deadline(), now)});
    out.emplace_back(event::TimerSet{event::TimerKind::peer_timeout, keep_alive_ * 3 / 2});
  }
}

// 4.4: with the session kept, PUBLISHes go again with DUP and PUBRELs are
// repeated. Without it the broker forgot every exchange, so each message is
// published again from the start: a possible duplicate, never a loss.
void Session::resend_in_flight(bool session_present, TimePoint now, Events& out) {
  for (auto& [sequence, entry] : outbound_) {
    if (entry.at == Stage::await_pubcomp && session_present) {
      send_packet(packet::Pubrel{entry.packet_id}, now, out);
      continue;
    }
    if (!session_present) {
      entry.at = entry.qos == packet::Qos::exactly_once ? Stage::await_pubrec : Stage::await_puback;
    }
    packet::set_dup(entry.encoded, entry.sent);
    entry.sent = true;
    send_packet(entry.encoded, now, out);
  }
}

// 4.3.1-4.3.3, 4.5: deliver, then acknowledge by QoS; a repeated QoS 2 id
// awaiting PUBREL is acknowledged again but not delivered twice.
void Session::on_publish(mqtt::packet::Publish&& message, TimePoint now, Events& out) {
  const std::uint16_t id = message.packet_id;
  switch (message.qos) {
    case packet::Qos::at_most_once:
      out.emplace_back(event::MessageReceived{std::move(message)});
      return;
    case packet::Qos::at_least_once:
      out.emplace_back(event::MessageReceived{std::move(message)});
      send_packet(packet::Puback{id}, now, out);
      return;
    case packet::Qos::exactly_once:
      if (inbound_qos2_.insert(id).second) {
        out.emplace_back(event::MessageReceived{std::move(message)});
      }
      send_packet(packet::Pubrec{id}, now, out);
      return;
  }
}

// 4.3.1-4.3.3: a PUBLISH too large to buffer is acknowledged as a delivered
// one would be, so the broker does not send it again at every connect, but
// only reported as dropped; a repeated QoS 2 id awaiting PUBREL is not
// reported twice.
void Session::on_oversized_publish(const OversizedPublish& message, TimePoint now, Events& out) {
  if (state_ == event::ConnectionState::connecting) {
    // 3.2: the first packet from the server is CONNACK.
    close("expected CONNACK, got PUBLISH", out);
    return;
  }
  event::MessageDropped dropped{
      message.topic, message.size, message.qos, message.retain,
      "larger than max_packet_size " + std::to_string(config_.limits.max_packet_size)};
  switch (message.qos) {
    case packet::Qos::at_most_once:
      out.emplace_back(std::move(dropped));
      return;
    case packet::Qos::at_least_once:
      out.emplace_back(std::move(dropped));
      send_packet(packet::Puback{message.packet_id}, now, out);
      return;
    case packet::Qos::exactly_once:
      if (inbound_qos2_.insert(message.packet_id).second) {
        out.emplace_back(std::move(dropped));
      }
      send_packet(packet::Pubrec{message.packet_id}, now, out);
      return;
  }
}

// 4.3.2: PUBACK ends a QoS 1 exchange, and a QoS 2 one whose PUBREC the broker
// replaced with it. An unknown id (a late ack for a message already completed)
// is ignored.
void Session::on_puback(std::uint16_t id, Events& out) {
  const auto found = outbound_by_id_.find(id);
  if (found == outbound_by_id_.end()) {
    return;
  }
  const auto entry = outbound_.find(found->second);
  if (entry->second.at == Stage::await_pubcomp) {
    close("PUBACK for a QoS 2 message already released, packet id " + std::to_string(id), out);
    return;
  }
  // A PUBACK where PUBREC was due breaks 4.3.3, but closing would only lead to
  // the same PUBLISH, the same PUBACK and another copy delivered at every
  // reconnect. The broker has taken the message at QoS 1, so it is complete.
  out.emplace_back(
      event::PublishCompleted{entry->second.tag, entry->second.at == Stage::await_pubrec});
  outbound_.erase(entry);
  outbound_by_id_.erase(found);
  release_packet_id(id);
}

// 4.3.3: PUBREC moves a QoS 2 exchange to PUBREL; a repeated PUBREC gets
// the PUBREL again.
void Session::on_pubrec(std::uint16_t id, TimePoint now, Events& out) {
  const auto found = outbound_by_id_.find(id);
  if (found == outbound_by_id_.end()) {
    return;
  }
  auto& entry = outbound_.at(found->second);
  if (entry.at == Stage::await_puback) {
    close("PUBREC for a QoS 1 message, packet id " + std::to_string(id), out);
    return;
  }
  entry.at = Stage::await_pubcomp;
  send_packet(packet::Pubrel{id}, now, out);
}

// 4.3.3: PUBCOMP ends a QoS 2 exchange.
void Session::on_pubcomp(std::uint16_t id, Events& out) {
  const auto found = outbound_by_id_.find(id);
  if (found == outbound_by_id_.end()) {
    return;
  }
  const auto entry = outbound_.find(found->second);
  if (entry->second.at != Stage::await_pubcomp) {
    close("PUBCOMP before PUBREC, packet id " + std::to_string(id), out);
    return;
  }
  out.emplace_back(event::PublishCompleted{entry->second.tag});
  outbound_.erase(entry);
  outbound_by_id_.erase(found);
  release_packet_id(id);
}

// 3.9, 3.11: SUBACK or UNSUBACK for a pending request; a SUBACK must carry
// one code per filter asked for (3.9.3).
void Session::on_request_ack(std::uint16_t id, const packet::Suback* suback, Events& out) {
  const auto found = requests_.find(id);
  if (found == requests_.end()) {
    return;
  }
  const PendingRequest request = found->second;
  if (request.is_subscribe != (suback != nullptr)) {
    close("acknowledgement of the wrong kind for packet id " + std::to_string(id), out);
    return;
  }
  if (suback != nullptr && suback->reasons.size() != request.filter_count) {
    close("SUBACK carries " + std::to_string(suback->reasons.size()) + " codes for " +
              std::to_string(request.filter_count) + " filters",
          out);
    return;
  }
  requests_.erase(found);
  release_packet_id(id);
  if (suback != nullptr) {
    out.emplace_back(event::SubscribeCompleted{request.tag, suback->reasons});
  } else {
    out.emplace_back(event::UnsubscribeCompleted{request.tag});
  }
}

// 3.1.2.10: PINGREQ once the keepalive has passed since the last packet
// sent, or since the last one received, so a silent broker is probed even
// while we keep sending.
TimePoint Session::keepalive_deadline() const {
  if (ping_outstanding_) {
    return last_sent_ + keep_alive_;
  }
  return std::min(last_sent_, last_received_) + keep_alive_;
}

Events Session::on_timer(event::TimerKind kind, TimePoint now) {
  Events out;
  switch (kind) {
    case event::TimerKind::connack_timeout:
      if (state_ == event::ConnectionState::connecting &&
          now - connect_started_ >= config_.connack_timeout) {
        close("no CONNACK within " + std::to_string(config_.connack_timeout.count()) + " ms", out);
      }
      return out;
    case event::TimerKind::keepalive:
      if (state_ != event::ConnectionState::connected || keep_alive_.count() == 0) {
        return out;
      }
      if (now >= keepalive_deadline()) {
        send_packet(packet::Pingreq{}, now, out);
        ping_outstanding_ = true;
      }
      out.emplace_back(
          event::TimerSet{event::TimerKind::keepalive, until(keepalive_deadline(), now)});
      return out;
    case event::TimerKind::peer_timeout: {
      if (state_ != event::ConnectionState::connected || keep_alive_.count() == 0) {
        return out;
      }
      const TimePoint deadline = last_received_ + keep_alive_ * 3 / 2;
      if (now >= deadline) {
        close("nothing from the broker for 1.5 keepalive periods", out);
      } else {
        out.emplace_back(event::TimerSet{event::TimerKind::peer_timeout, until(deadline, now)});
      }
      return out;
    }
  }
  return out;
}

// 3.3, 4.3: QoS 0 goes out at once; QoS 1/2 gets a free packet id and a
// window slot and is kept, encoded, until its exchange completes.
Events Session::publish(const packet::PublishView& message, std::uint64_t tag, TimePoint now) {
  Events out;
  packet::PublishView checked = message;
  checked.dup = false;
  checked.packet_id = message.qos == packet::Qos::at_most_once ? 0 : 1;
  if (auto size = encoded_size(checked, config_.version); !size) {
    out.emplace_back(event::CommandRejected{tag, size.error()});
    return out;
  }
  if (message.qos == packet::Qos::at_most_once) {
    if (state_ != event::ConnectionState::connected) {
      out.emplace_back(
          event::CommandRejected{tag, not_connected("QoS 0 publish while not connected")});
      return out;
    }
    event::Send message_bytes;
    if (auto written = encode(checked, config_.version, message_bytes.bytes); !written) {
      out.emplace_back(event::CommandRejected{tag, written.error()});
      return out;
    }
    out.emplace_back(std::move(message_bytes));
    last_sent_ = now;
    out.emplace_back(event::PublishCompleted{tag});
    return out;
  }
  if (window_full()) {
    out.emplace_back(
        event::CommandRejected{tag, Error{Errc::window_full, "in-flight window is full"}});
    return out;
  }
  const std::uint16_t id = allocate_packet_id();
  if (id == 0) {
    out.emplace_back(event::CommandRejected{tag, Error{Errc::window_full, "no free packet id"}});
    return out;
  }
  checked.packet_id = id;
  Outbound entry;
  entry.tag = tag;
  entry.packet_id = id;
  entry.qos = message.qos;
  entry.at = message.qos == packet::Qos::exactly_once ? Stage::await_pubrec : Stage::await_puback;
  if (auto written = encode(checked, config_.version, entry.encoded); !written) {
    release_packet_id(id);
    out.emplace_back(event::CommandRejected{tag, written.error()});
    return out;
  }
  if (state_ == event::ConnectionState::connected) {
    entry.sent = true;
    send_packet(entry.encoded, now, out);
  }
  const std::uint64_t sequence = next_sequence_++;
  outbound_by_id_.emplace(id, sequence);
  outbound_.emplace(sequence, std::move(entry));
  return out;
}

// 3.8: one SUBSCRIBE, answered by subscribe_completed or command_rejected.
Events Session::subscribe(std::vector<packet::Subscription> subscriptions, std::uint64_t tag,
                          TimePoint now) {
  Events out;
  if (state_ != event::ConnectionState::connected) {
    out.emplace_back(event::CommandRejected{tag, not_connected("SUBSCRIBE while not connected")});
    return out;
  }
  const std::uint16_t id = allocate_packet_id();
  if (id == 0) {
    out.emplace_back(event::CommandRejected{tag, Error{Errc::window_full, "no free packet id"}});
    return out;
  }
  const std::size_t count = subscriptions.size();
  event::Send message;
  auto written = encode(mqtt::packet::Subscribe{id, std::move(subscriptions), {}}, config_.version,
                        message.bytes);
  if (!written) {
    release_packet_id(id);
    out.emplace_back(event::CommandRejected{tag, written.error()});
    return out;
  }
  requests_.emplace(id, PendingRequest{tag, count, true});
  out.emplace_back(std::move(message));
  last_sent_ = now;
  return out;
}

// 3.10: one UNSUBSCRIBE, answered by unsubscribe_completed or command_rejected.
Events Session::unsubscribe(std::vector<std::string> filters, std::uint64_t tag, TimePoint now) {
  Events out;
  if (state_ != event::ConnectionState::connected) {
    out.emplace_back(event::CommandRejected{tag, not_connected("UNSUBSCRIBE while not connected")});
    return out;
  }
  const std::uint16_t id = allocate_packet_id();
  if (id == 0) {
    out.emplace_back(event::CommandRejected{tag, Error{Errc::window_full, "no free packet id"}});
    return out;
  }
  const std::size_t count = filters.size();
  event::Send message;
  auto written =
      encode(mqtt::packet::Unsubscribe{id, std::move(filters), {}}, config_.version, message.bytes);
  if (!written) {
    release_packet_id(id);
    out.emplace_back(event::CommandRejected{tag, written.error()});
    return out;
  }
  requests_.emplace(id, PendingRequest{tag, count, false});
  out.emplace_back(std::move(message));
  last_sent_ = now;
  return out;
}

}  // namespace iotgw::bridge::mqtt
