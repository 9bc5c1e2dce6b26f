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
// when the client connects. Telemetry rows older than telemetry.expiry are
// given back expired instead of being sent; the others carry what is left of
// it (MQTT 5), and the JSON properties when the payloads are JSON. With an
// expiry, telemetry waits here for a connection instead of in the client's
// window. Control messages carry the properties they were given.
//
// Sparkplug B numbers the messages of an edge node (seq, 0-255, from its
// NBIRTH on) in the order they go on the wire, where the store's rows and
// the births meet: the numbering rule, when given, is asked of each message
// as it is handed to the client, and the number is appended to its payload.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <utility>
#include <vector>

#include "bridge/forwarder/forwarder.hpp"
#include "bridge/forwarder/message_properties.hpp"
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

  MqttPublisher(mqtt::io::Client& client, Limits limits, MessageSettings telemetry = {})
      : client_(client),
        limits_(limits),
        telemetry_settings_(telemetry),
        telemetry_properties_(telemetry) {}

  // Telemetry: called by the forwarder.
  void publish(const store::Message& message, Done done) override;
  // Control: false, and `done` is not called, when the control queue is full.
  bool publish_control(store::Message message, bool urgent, Done done,
                       std::vector<mqtt::packet::Property> properties = {});
  enum class Numbering {
    none,   // not numbered
    first,  // numbered 0, and the numbers go on from there (an NBIRTH)
    next,   // the number after the last one, 0 after 255
  };
  using NumberingRule = std::function<Numbering(const store::Message&)>;
  void number_messages(NumberingRule rule) { numbering_ = std::move(rule); }

  // Publishes what waited for a connection; call when the client connects.
  void connected();
  // Gives back what still waits, as undelivered.
  void stop();
  // Gives back the telemetry that waits, as undelivered (the forwarder sends
  // it again in order after a Sparkplug birth).
  void give_back_telemetry();

  std::size_t control_waiting() const { return control_.size(); }

 private:
  struct Waiting {
    store::Message message;
    Done done;
    std::vector<mqtt::packet::Property> properties;  // control messages only

    // What it counts against max_waiting_bytes.
    std::size_t bytes() const;
  };

  // Hands waiting messages to the client while there is room, control first.
  void pump();
  bool has_room(const store::Message& message, bool control) const;
  // Hands one message to the client; false when the client has no room for it now.
  bool send_telemetry(const store::Message& message, const Done& done);
  bool send(const store::Message& message, std::span<const mqtt::packet::Property> properties,
            const Done& done, bool control);
  Outcome outcome_of(const mqtt::Result<>& acknowledged);

  mqtt::io::Client& client_;
  Limits limits_;
  MessageSettings telemetry_settings_;
  TelemetryProperties telemetry_properties_;
  std::deque<Waiting> telemetry_;
  std::deque<Waiting> control_;
  std::size_t control_bytes_ = 0;
  std::size_t control_in_flight_ = 0;
  bool pumping_ = false;
  mqtt::RepeatLimiter refusals_{std::chrono::minutes(1)};
  NumberingRule numbering_;
  std::uint8_t next_number_ = 0;
  std::vector<std::uint8_t> numbered_;  // the payload with its number, while it is handed over
};

}  // namespace iotgw::bridge::forwarder
