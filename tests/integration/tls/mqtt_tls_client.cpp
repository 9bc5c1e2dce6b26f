// The gateway's MQTT client over mqtts:// for 08-tls.py. For each connection
// it subscribes to a topic, publishes a QoS 1 message to it and waits for the
// message to come back through the broker; then it drops the connection (as a
// network failure would) so the next one is a reconnect over a fresh TLS
// stream, and after the last it stops gracefully. A connection attempt that
// fails prints the reason the client gives, so the test can check that every
// reconnect is refused for the right reason, not only the first.
//
// Prints one line per event: "connected", "received <payload>", "failed: <reason>",
// "stopped". Exit code: 0 after --connects round trips, 1 after --failures
// failed attempts, 3 when --timeout-ms passes first.
#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "bridge/mqtt/io/client.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  CLI::App app{"MQTT over TLS client for the iotgw integration tests"};
  iotgw::config::Mqtt settings;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  int connects = 1;
  int failures = 2;
  int timeout_ms = 20000;
  iotgw::config::Broker broker{.use_tls = true};
  app.add_option("--host", broker.host)->required();
  app.add_option("--port", broker.port)->required();
  app.add_option("--ca", ca_file);
  app.add_option("--cert", cert_file);
  app.add_option("--key", key_file);
  app.add_option("--server-name", settings.tls.server_name);
  app.add_flag("--insecure", settings.tls.insecure_skip_verify);
  app.add_option("--client-id", settings.client_id)->required();
  app.add_option("--connects", connects, "round trips to make, one per connection");
  app.add_option("--failures", failures, "failed attempts after which to give up");
  app.add_option("--timeout-ms", timeout_ms);
  CLI11_PARSE(app, argc, argv);
  broker.url = "mqtts://" + broker.host + ":" + std::to_string(broker.port);
  settings.brokers = {broker};
  settings.clean_session = true;
  settings.reconnect_min = 20ms;
  settings.reconnect_max = 100ms;
  settings.tls.ca_file = ca_file;
  settings.tls.cert_file = cert_file;
  settings.tls.key_file = key_file;
  // The TLS stream says at debug level whether a handshake resumed a session.
  spdlog::set_level(spdlog::level::debug);

  asio::io_context io;
  iotgw::bridge::mqtt::io::Client client(io.get_executor(), settings);
  const std::string topic = "iotgw-test/tls/" + settings.client_id;
  int round_trips = 0;
  int failed = 0;
  int exit_code = 3;
  bool stopping = false;
  asio::steady_timer deadline(io, std::chrono::milliseconds(timeout_ms));

  auto finish = [&](int code) {
    if (stopping) {
      return;
    }
    stopping = true;
    exit_code = code;
    client.stop([&] {
      std::cout << "stopped" << std::endl;
      deadline.cancel();
    });
  };

  client.on_state([&](const iotgw::bridge::mqtt::io::ConnectionEvent& change) {
    if (change.connected) {
      std::cout << "connected" << std::endl;
      const std::string body = "round trip " + std::to_string(round_trips + 1);
      const std::vector<std::uint8_t> payload(body.begin(), body.end());
      if (auto accepted =
              client.publish(topic, payload, iotgw::bridge::mqtt::packet::Qos::at_least_once, false,
                             [](const iotgw::bridge::mqtt::Result<>&) {});
          !accepted) {
        std::cout << "publish refused: " << accepted.error().reason << std::endl;
        finish(1);
      }
      return;
    }
    if (stopping) {
      return;
    }
    std::cout << "failed: " << change.reason << std::endl;
    if (++failed >= failures) {
      finish(1);
    }
  });
  client.on_message([&](const iotgw::bridge::mqtt::packet::Publish& message) {
    std::cout << "received " << std::string(message.payload.begin(), message.payload.end())
              << std::endl;
    if (++round_trips >= connects) {
      finish(0);
    } else {
      client.abort_connection();
    }
  });
  // Subscribed before the first connect, so the subscription goes out after
  // every CONNACK of a clean session and precedes the publish on the wire.
  client.subscribe(
      {{topic, iotgw::bridge::mqtt::packet::Qos::at_least_once}},
      [](const iotgw::bridge::mqtt::Result<std::vector<iotgw::bridge::mqtt::packet::ReasonCode>>&) {
      });
  deadline.async_wait([&](boost::system::error_code cancelled) {
    if (!cancelled) {
      std::cout << "timeout" << std::endl;
      io.stop();
    }
  });
  client.start();
  io.run();
  return exit_code;
}
