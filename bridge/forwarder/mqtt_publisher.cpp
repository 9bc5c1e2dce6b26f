#include "bridge/forwarder/mqtt_publisher.hpp"

#include <spdlog/spdlog.h>

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
  if (telemetry_.empty() && !pumping_ && has_room(message) && send(message, done, false)) {
    return;
  }
  telemetry_.push_back({message, std::move(done)});
  pump();
}

bool MqttPublisher::publish_control(store::Message message, bool urgent, Done done) {
  const auto bytes = static_cast<std::size_t>(message.size());
  if (!urgent && (control_.size() >= limits_.max_waiting ||
                  control_bytes_ + bytes > limits_.max_waiting_bytes)) {
    return false;
  }
  control_bytes_ += bytes;
  Waiting waiting{std::move(message), std::move(done)};
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

bool MqttPublisher::has_room(const store::Message& message) const {
  if (message.qos == 0) {
    return client_.connected();
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
                             has_room(control_.front().message);
    if (control_may) {
      Waiting waiting = std::move(control_.front());
      control_.pop_front();
      control_bytes_ -= waiting.message.size();
      if (!send(waiting.message, waiting.done, true)) {
        control_bytes_ += waiting.message.size();
        control_.push_front(std::move(waiting));
        break;
      }
      continue;
    }
    if (!telemetry_.empty() && has_room(telemetry_.front().message)) {
      Waiting waiting = std::move(telemetry_.front());
      telemetry_.pop_front();
      if (!send(waiting.message, waiting.done, false)) {
        telemetry_.push_front(std::move(waiting));
        break;
      }
      continue;
    }
    break;
  }
  pumping_ = false;
}

bool MqttPublisher::send(const store::Message& message, const Done& done, bool control) {
  // Counted before the call: the client may complete a message from within it.
  control_in_flight_ += control ? 1 : 0;
  const mqtt::Result<> accepted =
      client_.publish(message.topic, message.payload, static_cast<mqtt::packet::Qos>(message.qos),
                      message.retain, [this, control, done](const mqtt::Result<>& acknowledged) {
                        control_in_flight_ -= control ? 1 : 0;
                        done(outcome_of(acknowledged));
                        pump();
                      });
  if (accepted) {
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
