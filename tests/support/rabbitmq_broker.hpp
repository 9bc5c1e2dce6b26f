// A real RabbitMQ (Debian's 3.10 with its MQTT plugin) for interop tests:
// its own temporary directory, node name and loopback ports, and its own epmd
// started and stopped here (the node would otherwise leave a daemon behind).
// Ready once an MQTT CONNECT on its port gets an accepting CONNACK, never
// after a fixed sleep. Both processes get SIGTERM if the test process dies,
// so a crashed or timed-out test leaves no broker running. One user is made
// at first boot; anonymous MQTT clients log in as that user.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <sys/types.h>

#include "tests/support/temp_dir.hpp"

namespace iotgw::test {

class RabbitmqBroker {
 public:
  struct Options {
    std::string username = "iotgw";
    std::string password = "secret";
  };

  explicit RabbitmqBroker(Options options);
  RabbitmqBroker() : RabbitmqBroker(Options{}) {}
  ~RabbitmqBroker();
  RabbitmqBroker(const RabbitmqBroker&) = delete;
  RabbitmqBroker& operator=(const RabbitmqBroker&) = delete;

  // Starts epmd and the broker and waits for a CONNACK; throws with the
  // broker's log if it exits or the timeout passes first.
  void start(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // Stops the broker (SIGTERM, then SIGKILL of its process group after a
  // grace period) and then its epmd.
  void stop();

  std::uint16_t port() const { return port_; }
  std::string url() const { return "mqtt://127.0.0.1:" + std::to_string(port_); }
  // The broker's log so far, for failure messages.
  std::string log() const;

 private:
  void write_config(const Options& options);
  bool answers_connect() const;

  TempDir dir_;
  std::string node_;
  std::uint16_t port_ = 0;       // MQTT
  std::uint16_t dist_port_ = 0;  // Erlang distribution
  std::uint16_t epmd_port_ = 0;
  pid_t server_pid_ = -1;
  pid_t epmd_pid_ = -1;
};

}  // namespace iotgw::test
