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

// "Quota exceeded (the reason string)": a reason code and what the broker
// said about it, for logs.
std::string described(packet::ReasonCode reason, const packet::Properties& properties) {
  std::string text(to_string(reason));
  if (const auto said = properties.string(packet::PropertyId::reason_string)) {
    text += " (" + std::string(*said) + ")";
  }
  return text;
}

std::string reason_string_of(const packet::Properties& properties) {
  return std::string(properties.string(packet::PropertyId::reason_string).value_or(""));
}

}  // namespace

Session::Session(SessionConfig config)
    : config_(std::move(config)),
      decoder_(config_.version, config_.limits),
      keep_alive_(std::chrono::seconds{config_.connect.keep_alive}),
      aliases_(config_.topic_aliases) {}

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
  out.emplace_back(event::TimerCancel{event::TimerKind::quota_pause});
  quota_paused_ = false;
  fail_pending_requests(out);
  if (config_.in_flight_ends_with_connection) {
    give_back_in_flight(out);
  }
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

void Session::give_back_in_flight(Events& out) {
  for (const auto& [sequence, entry] : outbound_) {
    out.emplace_back(event::CommandRejected{
        entry.tag, not_connected("connection ended before the broker acknowledged it")});
    release_packet_id(entry.packet_id);
  }
  outbound_.clear();
  outbound_by_id_.clear();
  on_wire_count_ = 0;
}

// 5.0 3.1.2.11: the CONNECT of the current version. MQTT 5 adds how long the
// broker keeps the session and the largest packet we take (so the broker
// drops what we would refuse instead of sending it, 5.0 3.1.2.11.4); the
// broker's own limits of the last connection have no say in it.
packet::Connect Session::connect_packet() const {
  packet::Connect connect = config_.connect;
  if (config_.version != packet::Version::v5) {
    connect.properties = {};
    if (connect.will) {
      connect.will->properties = {};
    }
    return connect;
  }
  if (config_.session_expiry > 0) {
    connect.properties.add(packet::PropertyId::session_expiry_interval, config_.session_expiry);
  }
  if (config_.limits.max_packet_size < BrokerLimits{}.maximum_packet_size) {
    connect.properties.add(packet::PropertyId::maximum_packet_size,
                           static_cast<std::uint32_t>(config_.limits.max_packet_size));
  }
  return connect;
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
  auto written = encode(connect_packet(), config_.version, message.bytes);
  if (!written) {
    out.emplace_back(event::StateChanged{event::ConnectionState::disconnected, false, std::nullopt,
                                         "invalid CONNECT: " + written.error().reason});
    return out;
  }
  decoder_.reset(config_.version);
  head_.clear();
  limits_ = {};
  on_wire_count_ = 0;
  for (auto& [sequence, entry] : outbound_) {
    entry.on_wire = false;
  }
  keep_alive_ = std::chrono::seconds{config_.connect.keep_alive};
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
Events Session::disconnect(TimePoint now, bool publish_will) {
  Events out;
  if (state_ == event::ConnectionState::connected) {
    mqtt::packet::Disconnect goodbye;
    if (publish_will && config_.version == packet::Version::v5) {
      goodbye.reason = packet::ReasonCode::disconnect_with_will;
    }
    send_packet(goodbye, now, out);
  }
  close("disconnect requested", out);
  return out;
}

Events Session::connection_lost(TimePoint) {
  Events out;
  if (state_ == event::ConnectionState::connecting && may_fall_back()) {
    fall_back("the broker closed the connection before any CONNACK to an MQTT 5 CONNECT", out);
  }
  close("transport closed", out);
  return out;
}

bool Session::may_fall_back() const noexcept {
  return config_.fall_back_to_3_1_1 && config_.version == packet::Version::v5 &&
         !version_confirmed_;
}

// The broker does not speak MQTT 5: the next connect() speaks 3.1.1, and so
// does every one after it.
void Session::fall_back(std::string reason, Events& out) {
  config_.version = packet::Version::v3_1_1;
  out.emplace_back(event::VersionFallback{std::move(reason)});
}

// 5.0 4.13: before closing for a protocol error in MQTT 5, DISCONNECT tells
// the broker why.
void Session::close_with(packet::ReasonCode reason, std::string why, TimePoint now, Events& out) {
  if (config_.version == packet::Version::v5 && state_ == event::ConnectionState::connected) {
    send_packet(packet::Disconnect{reason, {}}, now, out);
  }
  close(std::move(why), out);
}

// 2.2, 4.8: decode what arrived and act on each packet in order; anything
// malformed or out of place ends the connection (4.8: close on violation).
Events Session::feed(std::span<const std::uint8_t> bytes, TimePoint now) {
  Events out;
  if (state_ == event::ConnectionState::disconnected || bytes.empty()) {
    return out;
  }
  last_received_ = now;
  if (head_.size() < 2) {
    head_.insert(head_.end(), bytes.begin(),
                 bytes.begin() + static_cast<std::ptrdiff_t>(
                                     std::min<std::size_t>(2 - head_.size(), bytes.size())));
  }
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
    // 5.0 3.1.2.2: a broker of 3.1.1 answers level 5 with its own CONNACK,
    // remaining length 2, which is no MQTT 5 CONNACK (that has properties).
    if (state_ == event::ConnectionState::connecting && may_fall_back() &&
        head_ == std::vector<std::uint8_t>{0x20, 0x02}) {
      fall_back("the broker answered the MQTT 5 CONNECT with an MQTT 3.1.1 CONNACK", out);
      close("broker refused: " +
                std::string(to_string(packet::ReasonCode::unsupported_protocol_version)),
            out, packet::ReasonCode::unsupported_protocol_version);
      return out;
    }
    close_with(packet::ReasonCode::malformed_packet,
               "malformed packet from the broker: " + decoded.error().reason, now, out);
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
      on_puback(std::get<packet::Puback>(incoming), now, out);
      return;
    case packet::PacketType::pubrec:
      on_pubrec(std::get<packet::Pubrec>(incoming), now, out);
      return;
    case packet::PacketType::pubrel: {
      // 4.3.3: answer every PUBREL with PUBCOMP, known id or not.
      const std::uint16_t id = std::get<packet::Pubrel>(incoming).packet_id;
      inbound_qos2_.erase(id);
      send_packet(packet::Pubcomp{id}, now, out);
      return;
    }
    case packet::PacketType::pubcomp:
      on_pubcomp(std::get<packet::Pubcomp>(incoming).packet_id, now, out);
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
    case packet::PacketType::disconnect:
      on_disconnect(std::get<packet::Disconnect>(incoming), out);
      return;
    case packet::PacketType::auth:
      // 5.0 4.12: AUTH only continues an exchange CONNECT started; ours never does.
      close_with(packet::ReasonCode::protocol_error, "AUTH without extended authentication", now,
                 out);
      return;
    case packet::PacketType::connect:
    case packet::PacketType::subscribe:
    case packet::PacketType::unsubscribe:
    case packet::PacketType::pingreq:
      close_with(packet::ReasonCode::protocol_error,
                 std::string(to_string(type)) + " is a client-to-server packet", now, out);
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
    if (ack.reason == packet::ReasonCode::unsupported_protocol_version && may_fall_back()) {
      fall_back("the broker refused MQTT 5: " + described(ack.reason, ack.properties), out);
    }
    close("broker refused: " + described(ack.reason, ack.properties), out, ack.reason);
    return;
  }
  if (config_.connect.clean_session && ack.session_present) {
    // 3.2.2.2: with CleanSession set the server must answer Session Present 0.
    close("CONNACK claims a session although a clean session was asked for", out);
    return;
  }
  version_confirmed_ = true;
  take_limits(ack);
  state_ = event::ConnectionState::connected;
  out.emplace_back(event::TimerCancel{event::TimerKind::connack_timeout});
  if (!ack.session_present) {
    inbound_qos2_.clear();
  }
  resend_in_flight(ack.session_present, now, out);
  if (keep_alive_.count() > 0) {
    out.emplace_back(
        event::TimerSet{event::TimerKind::keepalive, until(keepalive_deadline(), now)});
    out.emplace_back(event::TimerSet{event::TimerKind::peer_timeout, keep_alive_ * 3 / 2});
  }
  // Last: a caller that publishes as soon as it hears of the connection must
  // not get ahead of the resends above on the wire, since they may set the
  // topic aliases its message then uses.
  out.emplace_back(event::StateChanged{event::ConnectionState::connected, ack.session_present,
                                       std::nullopt, "connection accepted"});
}

// 5.0 3.2.2.3: the broker's limits for this connection. A Server Keep Alive
// replaces ours (5.0 3.1.2.10), an Assigned Client Identifier is the one to
// resume the session with (5.0 3.2.2.3.7).
void Session::take_limits(const packet::Connack& ack) {
  using packet::PropertyId;
  const packet::Properties& p = ack.properties;
  limits_.receive_maximum =
      static_cast<std::uint16_t>(p.integer(PropertyId::receive_maximum).value_or(65535));
  limits_.maximum_packet_size =
      p.integer(PropertyId::maximum_packet_size).value_or(limits_.maximum_packet_size);
  limits_.topic_alias_maximum =
      static_cast<std::uint16_t>(p.integer(PropertyId::topic_alias_maximum).value_or(0));
  limits_.maximum_qos = static_cast<packet::Qos>(p.integer(PropertyId::maximum_qos).value_or(2));
  limits_.retain_available = p.integer(PropertyId::retain_available).value_or(1) == 1;
  if (const auto server_keep_alive = p.integer(PropertyId::server_keep_alive)) {
    keep_alive_ = std::chrono::seconds{*server_keep_alive};
  }
  if (const auto assigned = p.string(PropertyId::assigned_client_identifier)) {
    config_.connect.client_id = std::string(*assigned);
  }
  aliases_.reset(limits_.topic_alias_maximum);
}

// 4.4: with the session kept, PUBLISHes go again with DUP and PUBRELs are
// repeated. Without it the broker forgot every exchange, so each message is
// published again from the start: a possible duplicate, never a loss.
// Both go in their original order (4.6), as far as Receive Maximum allows.
void Session::resend_in_flight(bool session_present, TimePoint now, Events& out) {
  for (auto& [sequence, entry] : outbound_) {
    if (!session_present) {
      entry.at = entry.message.qos == packet::Qos::exactly_once ? Stage::await_pubrec
                                                                : Stage::await_puback;
    }
  }
  send_waiting(now, out);
}

// 5.0 4.9: no more QoS 1/2 PUBLISHes unacknowledged than the broker's
// Receive Maximum; the others wait, in order, for an acknowledgement.
void Session::send_waiting(TimePoint now, Events& out) {
  if (state_ != event::ConnectionState::connected || quota_paused_) {
    return;
  }
  for (auto entry = outbound_.begin();
       entry != outbound_.end() && on_wire_count_ < limits_.receive_maximum;) {
    const auto next = std::next(entry);
    Outbound& item = entry->second;
    if (!item.on_wire && item.at == Stage::await_pubcomp) {
      // 4.4: the broker has the message; only the release is repeated.
      send_packet(packet::Pubrel{item.packet_id}, now, out);
      item.on_wire = true;
      ++on_wire_count_;
    } else if (!item.on_wire) {
      send_publish(entry, now, out);
    }
    entry = next;
  }
}

// Encodes the message for this connection: with DUP if it went out before
// (3.3.1.1), at no more than the broker's Maximum QoS and without RETAIN if
// it has none (5.0 3.2.2.3.4, 3.2.2.3.5), with a topic alias where one is
// assigned, and only if it fits the broker's Maximum Packet Size.
bool Session::send_publish(std::map<std::uint64_t, Outbound>::iterator entry, TimePoint now,
                           Events& out) {
  Outbound& item = entry->second;
  const packet::Publish& message = item.message;
  packet::PublishView view = message.view();
  view.dup = item.sent;
  view.packet_id = item.packet_id;
  // 4.4: once sent at QoS 1 for a lower Maximum QoS, a message is resent at
  // QoS 1 whatever the broker allows now: a kept session holds its packet id
  // as a QoS 1 exchange, and the broker would answer QoS 2 with PUBREC.
  const packet::Qos allowed = item.downgraded
                                  ? std::min(limits_.maximum_qos, packet::Qos::at_least_once)
                                  : limits_.maximum_qos;
  if (view.qos > allowed) {
    view.qos = allowed;
    view.dup = view.dup && view.qos != packet::Qos::at_most_once;
    view.packet_id = view.qos == packet::Qos::at_most_once ? 0 : item.packet_id;
    item.downgraded = true;
    if (view.qos == packet::Qos::at_least_once) {
      item.at = Stage::await_puback;
    }
  }
  if (auto fits = check_fits(view); !fits) {
    finish(entry, {item.tag, false, packet::ReasonCode::packet_too_large, fits.error().reason},
           out);
    return false;
  }
  event::Send bytes;
  auto written = render(view, bytes.bytes);
  if (!written) {
    finish(entry, {item.tag, false, packet::ReasonCode::unspecified_error, written.error().reason},
           out);
    return false;
  }
  out.emplace_back(std::move(bytes));
  last_sent_ = now;
  item.sent = true;
  if (view.qos == packet::Qos::at_most_once) {
    finish(entry, {item.tag, true, packet::ReasonCode::success, {}}, out);
    return true;
  }
  item.on_wire = true;
  ++on_wire_count_;
  return true;
}

// 5.0 3.1.2.11.4: whether `view` is valid and within the broker's Maximum
// Packet Size as it goes out without a topic alias (render() adds one only
// where it still fits). In 3.1.1 it is measured without its properties, as
// render() sends it.
Result<> Session::check_fits(packet::PublishView view) const {
  if (config_.version != packet::Version::v5) {
    view.properties = {};
  }
  const auto size = encoded_size(view, config_.version);
  if (!size) {
    return size.error();
  }
  if (*size > limits_.maximum_packet_size) {
    return Error{Errc::packet_too_large, "PUBLISH of " + std::to_string(*size) +
                                             " bytes exceeds the broker's Maximum Packet Size of " +
                                             std::to_string(limits_.maximum_packet_size)};
  }
  return {};
}

// 5.0 3.3.2.3.4: the alias to name the topic of `view` by, if the policy
// gives one and the PUBLISH still fits the broker's Maximum Packet Size in
// its largest aliased form, with both topic and alias: the alias's 3 bytes
// can lengthen the property length and the remaining length by one byte
// each. The policy is asked only then, so it never maps a topic that is not
// sent.
std::optional<TopicAliases::Use> Session::alias_for(const packet::PublishView& view) {
  if (config_.topic_aliases == 0 || limits_.topic_alias_maximum == 0) {
    return std::nullopt;
  }
  // The alias adds its property (3 bytes) and may lengthen the property
  // length and the remaining length by a byte each.
  constexpr std::size_t alias_bytes = 3 + 2;
  const auto size = encoded_size(view, config_.version);
  if (!size || *size + alias_bytes > limits_.maximum_packet_size) {
    return std::nullopt;
  }
  return aliases_.use(view.topic);
}

// The PUBLISH `view` as this connection takes it: without RETAIN if the
// broker has none (5.0 3.2.2.3.5), with a topic alias where one is assigned
// (5.0 3.3.2.3.4), without properties in 3.1.1.
Result<std::size_t> Session::render(packet::PublishView view, std::vector<std::uint8_t>& bytes) {
  view.retain = view.retain && limits_.retain_available;
  std::vector<packet::Property> with_alias;
  if (config_.version != packet::Version::v5) {
    view.properties = {};
  } else if (const auto alias = alias_for(view)) {
    with_alias.assign(view.properties.begin(), view.properties.end());
    with_alias.push_back({packet::PropertyId::topic_alias, std::uint32_t{alias->alias}});
    view.properties = with_alias;
    if (!alias->topic_needed) {
      view.topic = {};
    }
  }
  return encode(view, config_.version, bytes);
}

// 4.3.1: a QoS 0 message is complete once written.
void Session::publish_now(const packet::PublishView& view, std::uint64_t tag, TimePoint now,
                          Events& out) {
  event::Send bytes;
  if (auto written = render(view, bytes.bytes); !written) {
    out.emplace_back(event::CommandRejected{tag, written.error()});
    return;
  }
  out.emplace_back(std::move(bytes));
  last_sent_ = now;
  out.emplace_back(event::PublishCompleted{tag});
}

// The exchange of `entry` is over, whichever way: its packet id and window
// slot are free again.
void Session::finish(std::map<std::uint64_t, Outbound>::iterator entry,
                     event::PublishCompleted done, Events& out) {
  if (entry->second.on_wire) {
    --on_wire_count_;
  }
  if (!is_failure(done.reason)) {
    quota_pause_ = first_quota_pause;
  }
  outbound_by_id_.erase(entry->second.packet_id);
  release_packet_id(entry->second.packet_id);
  outbound_.erase(entry);
  out.emplace_back(std::move(done));
}

// 4.3.1-4.3.3, 4.5: deliver, then acknowledge by QoS; a repeated QoS 2 id
// awaiting PUBREL is acknowledged again but not delivered twice.
void Session::on_publish(mqtt::packet::Publish&& message, TimePoint now, Events& out) {
  if (message.properties.integer(packet::PropertyId::topic_alias)) {
    // 5.0 3.3.2.3.4: our CONNECT allows the broker no alias (Topic Alias
    // Maximum left at 0).
    close_with(packet::ReasonCode::topic_alias_invalid, "the broker used a topic alias", now, out);
    return;
  }
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
// replaced with it; in MQTT 5 a failure reason ends it too, unaccepted. An
// unknown id (a late ack for a message already completed) is ignored.
void Session::on_puback(const packet::Puback& ack, TimePoint now, Events& out) {
  const auto found = outbound_by_id_.find(ack.packet_id);
  if (found == outbound_by_id_.end()) {
    return;
  }
  const auto entry = outbound_.find(found->second);
  if (entry->second.at == Stage::await_pubcomp) {
    close("PUBACK for a QoS 2 message already released, packet id " + std::to_string(ack.packet_id),
          out);
    return;
  }
  // A PUBACK where PUBREC was due breaks 4.3.3, but closing would only lead to
  // the same PUBLISH, the same PUBACK and another copy delivered at every
  // reconnect. The broker has taken the message at QoS 1, so it is complete.
  if (ack.reason == packet::ReasonCode::quota_exceeded) {
    pause_for_quota(entry, out);
    return;
  }
  const bool downgraded = entry->second.downgraded || entry->second.at == Stage::await_pubrec;
  finish(entry, {entry->second.tag, downgraded, ack.reason, reason_string_of(ack.properties)}, out);
  send_waiting(now, out);
}

void Session::pause_for_quota(std::map<std::uint64_t, Outbound>::iterator entry, Events& out) {
  Outbound& item = entry->second;
  // The broker ended this exchange: the message goes again as a new one.
  item.on_wire = false;
  --on_wire_count_;
  item.sent = false;
  item.at =
      item.message.qos == packet::Qos::exactly_once ? Stage::await_pubrec : Stage::await_puback;
  if (!quota_paused_) {
    quota_paused_ = true;
    out.emplace_back(event::TimerSet{event::TimerKind::quota_pause, quota_pause_});
    quota_pause_ = std::min(quota_pause_ * 2, longest_quota_pause);
  }
}

// 4.3.3: PUBREC moves a QoS 2 exchange to PUBREL; a repeated PUBREC gets
// the PUBREL again. In MQTT 5 a failure reason ends the exchange (5.0 4.3.3).
void Session::on_pubrec(const packet::Pubrec& ack, TimePoint now, Events& out) {
  const auto found = outbound_by_id_.find(ack.packet_id);
  if (found == outbound_by_id_.end()) {
    return;
  }
  const auto entry = outbound_.find(found->second);
  if (entry->second.at == Stage::await_puback) {
    close("PUBREC for a QoS 1 message, packet id " + std::to_string(ack.packet_id), out);
    return;
  }
  if (ack.reason == packet::ReasonCode::quota_exceeded) {
    pause_for_quota(entry, out);
    return;
  }
  if (is_failure(ack.reason)) {
    finish(entry, {entry->second.tag, false, ack.reason, reason_string_of(ack.properties)}, out);
    send_waiting(now, out);
    return;
  }
  entry->second.at = Stage::await_pubcomp;
  send_packet(packet::Pubrel{ack.packet_id}, now, out);
}

// 4.3.3: PUBCOMP ends a QoS 2 exchange. (5.0: its only failure, Packet
// Identifier not found, means the broker already finished it.)
void Session::on_pubcomp(std::uint16_t id, TimePoint now, Events& out) {
  const auto found = outbound_by_id_.find(id);
  if (found == outbound_by_id_.end()) {
    return;
  }
  const auto entry = outbound_.find(found->second);
  if (entry->second.at != Stage::await_pubcomp) {
    close("PUBCOMP before PUBREC, packet id " + std::to_string(id), out);
    return;
  }
  finish(entry, {entry->second.tag, entry->second.downgraded, packet::ReasonCode::success, {}},
         out);
  send_waiting(now, out);
}

// 5.0 3.14: the broker ends the connection and says why; the reconnect that
// follows is the usual one.
void Session::on_disconnect(const packet::Disconnect& goodbye, Events& out) {
  std::string why = "broker disconnected: " + described(goodbye.reason, goodbye.properties);
  if (const auto other = goodbye.properties.string(packet::PropertyId::server_reference)) {
    why += "; it names another server: " + std::string(*other);
  }
  close(std::move(why), out);
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
    case event::TimerKind::quota_pause:
      quota_paused_ = false;
      send_waiting(now, out);
      return out;
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
// window slot and is kept until its exchange completes. A message larger
// than the broker takes is refused at once, so it is not retried forever.
Events Session::publish(const packet::PublishView& message, std::uint64_t tag, TimePoint now) {
  Events out;
  packet::PublishView checked = message;
  checked.dup = false;
  checked.packet_id = message.qos == packet::Qos::at_most_once ? 0 : 1;
  if (auto fits = check_fits(checked); !fits) {
    out.emplace_back(event::CommandRejected{tag, fits.error()});
    return out;
  }
  if (message.qos == packet::Qos::at_most_once || config_.in_flight_ends_with_connection) {
    if (state_ != event::ConnectionState::connected) {
      out.emplace_back(event::CommandRejected{tag, not_connected("publish while not connected")});
      return out;
    }
  }
  if (message.qos == packet::Qos::at_most_once) {
    publish_now(checked, tag, now, out);
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
  Outbound entry;
  entry.tag = tag;
  entry.packet_id = id;
  entry.at = message.qos == packet::Qos::exactly_once ? Stage::await_pubrec : Stage::await_puback;
  entry.message = packet::Publish{std::string(message.topic),
                                  {message.payload.begin(), message.payload.end()},
                                  message.qos,
                                  message.retain,
                                  false,
                                  id,
                                  packet::Properties(message.properties)};
  const std::uint64_t sequence = next_sequence_++;
  outbound_by_id_.emplace(id, sequence);
  const auto placed = outbound_.emplace(sequence, std::move(entry)).first;
  if (state_ == event::ConnectionState::connected && !quota_paused_ &&
      on_wire_count_ < limits_.receive_maximum) {
    send_publish(placed, now, out);
  }
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
  if (config_.version != packet::Version::v5) {
    for (auto& entry : subscriptions) {
      entry.no_local = false;
      entry.retain_as_published = false;
      entry.retain_handling = packet::RetainHandling::send_at_subscribe;
    }
  }
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
