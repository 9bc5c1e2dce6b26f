#include "bridge/forwarder/mqtt_publisher.hpp"

#include <spdlog/spdlog.h>

#include "bridge/sparkplug/payload.hpp"

namespace iotgw::bridge::forwarder {

// A message the broker refused (MQTT 5: a reason code of 0x80 or more) is
// never retried: a poison message must not block the queue. A broker that
// refuses every message the same way is reported now and then, not each time.
Outcome MqttPublisher::outcome_of(const mqtt::Result<>& acknowledged) {
  if (acknowledged) {
    return Outcome::delivered;
  }
  if (acknowledged.error().code != mqtt::Errc::refused_by_broker) {
    return Outcome::undelivered;
  }
  const auto verdict =
      refusals_.check(acknowledged.error().reason, mqtt::RepeatLimiter::Clock::now());
  if (verdict.log) {
    spdlog::error("mqtt: the broker refused a message: {} ({} more refused since the last report)",
                  acknowledged.error().reason, verdict.held_back);
  }
  return Outcome::rejected;
}

void MqttPublisher::publish(const store::Message& message, Done done) {
  // The common case, with no copy of the message: nothing waits before it
  // and the window has room.
  if (telemetry_.empty() && !pumping_ && has_room(message, false) &&
      send_telemetry(message, done)) {
    return;
  }
  telemetry_.push_back({message, std::move(done), {}});
  pump();
}

std::size_t MqttPublisher::Waiting::bytes() const {
  std::size_t total = message.size();
  for (const mqtt::packet::Property& property : properties) {
    if (const auto* text = std::get_if<std::string>(&property.value)) {
      total += text->size();
    } else if (const auto* data = std::get_if<std::vector<std::uint8_t>>(&property.value)) {
      total += data->size();
    }
  }
  return total;
}

bool MqttPublisher::publish_control(store::Message message, bool urgent, Done done,
                                    std::vector<mqtt::packet::Property> properties) {
  Waiting waiting{std::move(message), std::move(done), std::move(properties)};
  const std::size_t bytes = waiting.bytes();
  if (!urgent && (control_.size() >= limits_.max_waiting ||
                  control_bytes_ + bytes > limits_.max_waiting_bytes)) {
    return false;
  }
  control_bytes_ += bytes;
  if (urgent) {
    control_.push_front(std::move(waiting));
  } else {
    control_.push_back(std::move(waiting));
  }
  pump();
  return true;
}

void MqttPublisher::connected() {
  pump();
}

void MqttPublisher::stop() {
  auto telemetry = std::exchange(telemetry_, {});
  auto control = std::exchange(control_, {});
  control_bytes_ = 0;
  for (Waiting& waiting : telemetry) {
    waiting.done(Outcome::undelivered);
  }
  for (Waiting& waiting : control) {
    waiting.done(Outcome::undelivered);
  }
}

void MqttPublisher::give_back_telemetry() {
  for (Waiting& waiting : std::exchange(telemetry_, {})) {
    waiting.done(Outcome::undelivered);
  }
}

bool MqttPublisher::has_room(const store::Message& message, bool control) const {
  // Readings that can expire wait here for a connection rather than in the
  // client's window, so that their expiry is judged as they go on the wire.
  const bool expires = !control && telemetry_settings_.expiry > std::chrono::seconds::zero();
  if (message.qos == 0 || expires) {
    return client_.connected() && (message.qos == 0 || client_.in_flight() < limits_.window);
  }
  return client_.in_flight() < limits_.window;
}

void MqttPublisher::pump() {
  // A completion called back from within client_.publish() must not start a
  // second pass over the queues under the first one.
  if (pumping_) {
    return;
  }
  pumping_ = true;
  for (;;) {
    const bool control_may = !control_.empty() && control_in_flight_ < limits_.reserved &&
                             has_room(control_.front().message, true);
    if (control_may) {
      Waiting waiting = std::move(control_.front());
      control_.pop_front();
      control_bytes_ -= waiting.bytes();
      if (!send(waiting.message, waiting.properties, waiting.done, true)) {
        control_bytes_ += waiting.bytes();
        control_.push_front(std::move(waiting));
        break;
      }
      continue;
    }
    if (!telemetry_.empty() && has_room(telemetry_.front().message, false)) {
      Waiting waiting = std::move(telemetry_.front());
      telemetry_.pop_front();
      if (!send_telemetry(waiting.message, waiting.done)) {
        telemetry_.push_front(std::move(waiting));
        break;
      }
      continue;
    }
    break;
  }
  pumping_ = false;
}

// Decided as the row goes out, not as it was fetched: a row may wait here,
// or in the client's window for a connection, for a long time.
bool MqttPublisher::send_telemetry(const store::Message& message, const Done& done) {
  // The client copies them before it returns, so the next message may reuse them.
  const auto properties = telemetry_properties_.at(
      message.enqueued, std::chrono::system_clock::now(), message.backfill);
  if (!properties) {
    done(Outcome::expired);
    return true;
  }
  return send(message, *properties, done, false);
}

bool MqttPublisher::send(const store::Message& message,
                         std::span<const mqtt::packet::Property> properties, const Done& done,
                         bool control) {
  std::span<const std::uint8_t> payload = message.payload;
  const Numbering numbering = numbering_ ? numbering_(message) : Numbering::none;
  const std::uint8_t number = numbering == Numbering::first ? 0 : next_number_;
  if (numbering != Numbering::none) {
    numbered_.assign(message.payload.begin(), message.payload.end());
    sparkplug::append_seq(numbered_, number);
    payload = numbered_;
  }
  // Counted before the call: the client may complete a message from within it.
  control_in_flight_ += control ? 1 : 0;
  const mqtt::packet::PublishView view{.topic = message.topic,
                                       .payload = payload,
                                       .qos = static_cast<mqtt::packet::Qos>(message.qos),
                                       .retain = message.retain,
                                       .properties = properties};
  const mqtt::Result<> accepted =
      client_.publish(view, [this, control, done](const mqtt::Result<>& acknowledged) {
        control_in_flight_ -= control ? 1 : 0;
        done(outcome_of(acknowledged));
        pump();
      });
  if (accepted) {
    if (numbering != Numbering::none) {
      next_number_ = static_cast<std::uint8_t>(number + 1);
    }
    return true;
  }
  control_in_flight_ -= control ? 1 : 0;
  const mqtt::Error refused = accepted.error();
  if (refused.code == mqtt::Errc::not_connected || refused.code == mqtt::Errc::window_full) {
    return false;
  }
  spdlog::error("mqtt: cannot publish to {}: {}", message.topic, refused.reason);
  done(Outcome::rejected);
  return true;
}

}  // namespace iotgw::bridge::forwarder
