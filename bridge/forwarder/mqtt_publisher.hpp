// The one way onto the MQTT client's in-flight window, in two lanes:
// - telemetry: the forwarder's store rows, at most the forwarder's window at
//   once, in order: a row that cannot go out yet (no connection for QoS 0,
//   no room in the window) waits, and every later row waits behind it;
// - control: command results and the status (birth and goodbye), which have
//   `reserved` slots of the window that telemetry never takes, so that a
//   backlog cannot hold them up; they wait here, in a bounded queue, while
//   their slots are taken. A control message marked urgent (the status) goes
//   ahead of the control messages waiting.
// Whatever waits is handed to the client as completions free the window, and
// when the client connects.
#pragma once

#include <cstddef>
#include <deque>
#include <utility>

#include "bridge/forwarder/forwarder.hpp"
#include "bridge/mqtt/io/client.hpp"
#include "bridge/mqtt/repeat_limiter.hpp"

namespace iotgw::bridge::forwarder {

class MqttPublisher final : public Publisher {
 public:
  struct Limits {
    std::size_t window = 64;                  // the client's in-flight window (mqtt.inflight)
    std::size_t reserved = 4;                 // slots of it for control messages
    std::size_t max_waiting = 16384;          // control messages waiting, at most...
    std::size_t max_waiting_bytes = 8 << 20;  // ...and their topic and payload bytes
  };

  MqttPublisher(mqtt::io::Client& client, Limits limits) : client_(client), limits_(limits) {}

  // Telemetry: called by the forwarder.
  void publish(const store::Message& message, Done done) override;
  // Control: false, and `done` is not called, when the control queue is full.
  bool publish_control(store::Message message, bool urgent, Done done);
  // Publishes what waited for a connection; call when the client connects.
  void connected();
  // Gives back what still waits, as undelivered.
  void stop();

  std::size_t control_waiting() const { return control_.size(); }

 private:
  struct Waiting {
    store::Message message;
    Done done;
  };

  // Hands waiting messages to the client while there is room, control first.
  void pump();
  bool has_room(const store::Message& message) const;
  // Hands one message to the client; false when the client has no room for it now.
  bool send(const store::Message& message, const Done& done, bool control);
  Outcome outcome_of(const mqtt::Result<>& acknowledged);

  mqtt::io::Client& client_;
  Limits limits_;
  std::deque<Waiting> telemetry_;
  std::deque<Waiting> control_;
  std::size_t control_bytes_ = 0;
  std::size_t control_in_flight_ = 0;
  bool pumping_ = false;
  mqtt::RepeatLimiter refusals_{std::chrono::minutes(1)};
};

}  // namespace iotgw::bridge::forwarder
