#include "tests/support/mqtt_peer.hpp"

#include <algorithm>
#include <utility>

namespace iotgw::test {

namespace mqtt = bridge::mqtt;
using namespace std::chrono_literals;

std::vector<std::uint8_t> bytes(std::string_view text) {
  return {text.begin(), text.end()};
}

std::string text(const std::vector<std::uint8_t>& payload) {
  return {payload.begin(), payload.end()};
}

config::Mqtt mqtt_test_settings(std::string url, std::uint16_t port, std::string client_id) {
  config::Mqtt settings;
  settings.brokers = {{.url = std::move(url), .host = "127.0.0.1", .port = port}};
  settings.client_id = std::move(client_id);
  settings.keepalive = 5s;
  settings.clean_session = true;
  settings.reconnect_min = 20ms;
  settings.reconnect_max = 200ms;
  settings.will.topic.clear();
  return settings;
}

void MqttPeer::attach(boost::asio::io_context& io) {
  client = std::make_unique<mqtt::io::Client>(io.get_executor(), config);
  client->on_message([this](const mqtt::packet::Publish& message) { messages.push_back(message); });
  client->on_state([this](const mqtt::io::ConnectionEvent& change) { changes.push_back(change); });
}

mqtt::Result<PublishCompletion> MqttPeer::publish(std::string_view topic, std::string_view payload,
                                                  mqtt::packet::Qos level, bool retain) {
  auto completion = std::make_shared<std::optional<mqtt::Result<>>>();
  const auto body = bytes(payload);
  const mqtt::Result<> accepted = client->publish(
      topic, body, level, retain, [completion](const mqtt::Result<>& done) { *completion = done; });
  if (!accepted) {
    return accepted.error();
  }
  return completion;
}

SubscribeAnswer MqttPeer::subscribe(std::string filter, mqtt::packet::Qos level) {
  auto answer = std::make_shared<SubscribeAnswer::element_type>();
  client->subscribe({{std::move(filter), level}},
                    [answer](const mqtt::Result<std::vector<mqtt::packet::ReasonCode>>& codes) {
                      *answer = codes;
                    });
  return answer;
}

std::size_t MqttPeer::disconnections() const {
  return std::count_if(changes.begin(), changes.end(),
                       [](const mqtt::io::ConnectionEvent& change) { return !change.connected; });
}

std::size_t MqttPeer::received(std::string_view payload) const {
  return std::count_if(messages.begin(), messages.end(), [&](const mqtt::packet::Publish& message) {
    return text(message.payload) == payload;
  });
}

std::string MqttPeer::history() const {
  std::string summary = std::to_string(client->counters().connects) + " connections";
  const auto lost =
      std::find_if(changes.rbegin(), changes.rend(),
                   [](const mqtt::io::ConnectionEvent& change) { return !change.connected; });
  if (lost != changes.rend()) {
    summary += ", the last lost: " + lost->reason;
  }
  return summary;
}

}  // namespace iotgw::test
