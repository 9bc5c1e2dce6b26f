// The gateway as a Sparkplug B edge node (sparkplug.enabled): what it says
// and when, on top of the same client, publisher, forwarder and store as the
// JSON telemetry.
// - Each CONNECT carries NDEATH as its will, with the next bdSeq (BdSeqFile).
// - Once connected (and, with sparkplug.primary_host_id, once that host says
//   it is online on spBv1.0/STATE/{host}) the node publishes NBIRTH, then a
//   DBIRTH per device (a DDEATH after it for a device that does not answer),
//   and only once the broker took all of them lets the forwarder send the
//   stored DDATA. The host going offline pauses the forwarder again;
//   readings wait in the store.
// - Every message but NDEATH is numbered (seq) as it goes on the wire; a
//   connection that ends gives back what it had in flight, which the
//   forwarder sends again after the next births with new numbers.
// - A device whose poll brings no answer at all is dead: DDEATH; its next
//   answer brings a DBIRTH.
// - NCMD Node Control/Rebirth publishes the births again (at most once per
//   rebirth_interval); DCMD writes go through the point checks of the
//   command topic (writable, type, range) before the write callback.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bridge/forwarder/forwarder.hpp"
#include "bridge/forwarder/mqtt_publisher.hpp"
#include "bridge/mqtt/io/client.hpp"
#include "config/config.hpp"
#include "drivers/reading.hpp"
#include "gateway/bd_seq_file.hpp"
#include "gateway/command_parser.hpp"
#include "gateway/device_polls.hpp"
#include "gateway/log_limiter.hpp"
#include "gateway/sparkplug_model.hpp"

namespace iotgw::gateway {

// A DCMD metric that passed the checks: the value for one writable point.
struct SparkplugWrite {
  DeviceAddress device;
  std::size_t point = 0;
  drivers::Value value;
};

// A DDATA message for the store.
struct SparkplugData {
  std::string topic;
  std::vector<std::uint8_t> payload;
};

// The DCMD's metrics as writes, or the first refusal: an unknown device, a
// metric naming no point of it (by name or alias), a point not writable, a
// value of the wrong type or out of range. `max_metrics` bounds what is decoded.
Result<std::vector<SparkplugWrite>> parse_device_command(const config::Config& config,
                                                         const SparkplugModel& model,
                                                         std::string_view device_name,
                                                         std::span<const std::uint8_t> payload);

class SparkplugNode {
 public:
  struct Counters {
    std::uint64_t births = 0;        // NBIRTHs published
    std::uint64_t rebirths = 0;      // rebirth requests obeyed
    std::uint64_t commands = 0;      // NCMD and DCMD received
    std::uint64_t refused = 0;       // of those, refused
    std::uint64_t host_offline = 0;  // times the primary host went offline
  };

  // A DCMD write, checked; done is not kept by the node.
  using Write = std::function<void(const SparkplugWrite&)>;

  // client must be made with ClientOptions::in_flight_ends_with_connection,
  // and forwarder with resend_undelivered; all must outlive the node.
  SparkplugNode(boost::asio::io_context& io, const config::Config& config,
                bridge::mqtt::io::Client& client, bridge::forwarder::MqttPublisher& publisher,
                bridge::forwarder::Forwarder& forwarder, Write write);

  // The uplink's settings for Sparkplug: NDEATH as the will, a clean session
  // that ends with the connection (Sparkplug 3.0 asks both).
  static config::Mqtt uplink_settings(const config::Config& config);

  // Sets the will for each connection, the numbering and the subscriptions;
  // call before the client starts.
  void start();
  void on_connection(const bridge::mqtt::io::ConnectionEvent& event);
  // Whether the message was one of Sparkplug's (NCMD, DCMD, STATE).
  bool on_message(const bridge::mqtt::packet::Publish& message);
  // Every reading, before report by exception: the values a DBIRTH carries
  // and whether the device answers.
  void observe(const drivers::Reading& reading);
  void on_poll_end(const config::Device& device);
  // DDATA for the readings of one poll that passed report by exception.
  // Nothing for a device that did not answer (its DDEATH says so).
  std::optional<SparkplugData> data_message(const DevicePolls::Poll& poll, bool historical) const;
  // Whether data may go out now (connected, births done, primary host online).
  bool live() const { return births_done_; }
  // NDEATH published ahead of a clean DISCONNECT; done once the broker took it.
  void publish_death(std::function<void()> done);
  void stop();

  const Counters& counters() const { return counters_; }

 private:
  void births();
  void birth_done();
  void device_birth(const config::Device& device);
  void device_death(const config::Device& device);
  bool publish(std::string topic, const bridge::sparkplug::Payload& payload, bool urgent,
               bridge::forwarder::Publisher::Done done);
  void on_state(std::string_view payload);
  void on_node_command(const bridge::mqtt::packet::Publish& message);
  void on_device_command(const bridge::mqtt::packet::Publish& message, std::string_view device);
  void refuse(std::string_view topic, std::string_view why);
  void request_rebirth();
  void hold_data();

  struct DeviceLife {
    bool answered_this_poll = false;
    bool alive = true;  // until a poll says otherwise
  };

  const config::Config& config_;
  bridge::mqtt::io::Client& client_;
  bridge::forwarder::MqttPublisher& publisher_;
  bridge::forwarder::Forwarder& forwarder_;
  Write write_;
  SparkplugModel model_;
  BdSeqFile bd_seq_file_;
  std::uint8_t bd_seq_ = 0;
  std::string node_prefix_;                      // spBv1.0/{group}/
  std::string state_topic_;                      // spBv1.0/STATE/{host}, or empty
  std::optional<std::uint64_t> host_timestamp_;  // of the last STATE taken
  bool host_online_ = false;
  bool connected_ = false;
  bool speaking_ = false;     // births handed over on this connection (maybe not acknowledged)
  bool births_done_ = false;  // and acknowledged: data may follow
  std::size_t births_waiting_ = 0;
  std::uint64_t birth_round_ = 0;  // which births a completion belongs to
  std::unordered_map<const config::Device*, DeviceLife> devices_;
  std::chrono::steady_clock::time_point last_rebirth_{};
  boost::asio::steady_timer rebirth_timer_;
  bool rebirth_timer_armed_ = false;
  LogLimiter refusal_log_;
  Counters counters_;
};

}  // namespace iotgw::gateway
