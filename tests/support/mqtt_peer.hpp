// An MQTT client for the integration tests, with what it has seen (messages,
// connection events) and requests whose answers land in shared slots that
// the test waits on with its own loop. Shared by 01-mqtt-client and
// 10-mqtt-interop-rabbitmq, which run the same client against two brokers.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "bridge/mqtt/error.hpp"
#include "bridge/mqtt/io/client.hpp"
#include "config/config.hpp"

namespace iotgw::test {

std::vector<std::uint8_t> bytes(std::string_view text);
std::string text(const std::vector<std::uint8_t>& payload);

// Settings for a test client of the broker at 127.0.0.1:`port`: a 5 s
// keepalive, a clean session, quick reconnects and no will.
config::Mqtt mqtt_test_settings(std::string url, std::uint16_t port, std::string client_id);

// The completion of one publish, empty until the client calls back. Shared:
// a completion may come after the test stopped waiting, at stop().
using PublishCompletion = std::shared_ptr<std::optional<bridge::mqtt::Result<>>>;
// The SUBACK codes of one subscribe, or why it failed; empty until then.
using SubscribeAnswer = std::shared_ptr<
    std::optional<bridge::mqtt::Result<std::vector<bridge::mqtt::packet::ReasonCode>>>>;

struct MqttPeer {
  explicit MqttPeer(config::Mqtt settings) : config(std::move(settings)) {}

  // Makes the client on `io`, recording what it delivers and reports.
  void attach(boost::asio::io_context& io);

  // The refusal, or the completion to wait for.
  bridge::mqtt::Result<PublishCompletion> publish(std::string_view topic, std::string_view payload,
                                                  bridge::mqtt::packet::Qos level, bool retain);
  SubscribeAnswer subscribe(std::string filter, bridge::mqtt::packet::Qos level);

  std::size_t disconnections() const;
  // How many messages carried `payload`.
  std::size_t received(std::string_view payload) const;
  // How the connection went, for failure messages.
  std::string history() const;

  config::Mqtt config;  // before the client, which keeps a reference to it
  std::unique_ptr<bridge::mqtt::io::Client> client;
  std::vector<bridge::mqtt::packet::Publish> messages;
  std::vector<bridge::mqtt::io::ConnectionEvent> changes;
  bool stopped = false;
};

}  // namespace iotgw::test
