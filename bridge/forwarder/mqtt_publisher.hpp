// The forwarder's Publisher on the MQTT client. QoS 0 messages, which the
// client takes only while connected, wait here for the next connection; every
// other refusal of the client is final for the message.
#pragma once

#include <deque>
#include <utility>

#include "bridge/forwarder/forwarder.hpp"
#include "bridge/mqtt/client.hpp"

namespace iotgw::bridge {

class MqttPublisher final : public Publisher {
 public:
  explicit MqttPublisher(mqtt::client& client) : client_(client) {}

  void publish(const store::Message& message, Done done) override;
  // Publishes what waited for a connection; call when the client connects.
  void connected();
  // Gives back what still waits, as undelivered.
  void stop();

 private:
  mqtt::client& client_;
  std::deque<std::pair<store::Message, Done>> waiting_;
};

}  // namespace iotgw::bridge
