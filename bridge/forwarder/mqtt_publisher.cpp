#include "bridge/forwarder/mqtt_publisher.hpp"

#include <spdlog/spdlog.h>

namespace iotgw::bridge {

void MqttPublisher::publish(const store::Message& message, Done done) {
  const auto level = static_cast<mqtt::qos>(message.qos);
  if (level == mqtt::qos::at_most_once && !client_.connected()) {
    waiting_.emplace_back(message, std::move(done));
    return;
  }
  const mqtt::check_result refused =
      client_.publish(message.topic, message.payload, level, message.retain,
                      [done](const std::optional<mqtt::error>& failure) {
                        done(failure ? Outcome::undelivered : Outcome::delivered);
                      });
  if (!refused) {
    return;
  }
  if (refused->code == mqtt::errc::not_connected || refused->code == mqtt::errc::window_full) {
    waiting_.emplace_back(message, std::move(done));
    return;
  }
  spdlog::error("mqtt: cannot publish to {}: {}", message.topic, refused->reason);
  done(Outcome::rejected);
}

void MqttPublisher::connected() {
  for (auto waiting = std::exchange(waiting_, {}); !waiting.empty(); waiting.pop_front()) {
    publish(waiting.front().first, std::move(waiting.front().second));
  }
}

void MqttPublisher::stop() {
  for (auto waiting = std::exchange(waiting_, {}); !waiting.empty(); waiting.pop_front()) {
    waiting.front().second(Outcome::undelivered);
  }
}

}  // namespace iotgw::bridge
