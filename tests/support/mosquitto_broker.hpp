// A real Mosquitto for tests and benchmarks: its own temporary directory and
// generated configuration, a free loopback port kept across restarts, ready
// once it accepts a TCP connection. It can be paused (SIGSTOP) to play a dead
// peer, and stopped and started again with its persistent state.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <sys/types.h>

#include "tests/support/loopback.hpp"  // free_loopback_port(), which its users need too
#include "tests/support/temp_dir.hpp"

namespace iotgw::test {

class MosquittoBroker {
 public:
  struct Options {
    bool persistence = false;  // keep sessions and queued messages across restarts
    std::string username;      // with a user name: password file, no anonymous clients
    std::string password;
    bool log_packets = false;  // a log line per packet: for debugging, far too slow for benchmarks
    // Mosquitto's dynamic security plugin, as `mosquitto_ctrl dynsec init`
    // sets it up but with publishing allowed: subscriptions are refused
    // (SUBACK 0x87/0x80) until allow_subscriptions().
    bool dynamic_security = false;
  };

  explicit MosquittoBroker(Options options);
  MosquittoBroker() : MosquittoBroker(Options{}) {}
  ~MosquittoBroker();
  MosquittoBroker(const MosquittoBroker&) = delete;
  MosquittoBroker& operator=(const MosquittoBroker&) = delete;

  // Starts mosquitto and waits until its port accepts connections.
  void start(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // SIGTERM (mosquitto saves its persistence file) and waits for the exit.
  void stop();
  void pause();
  void resume();
  // With dynamic_security: allows every client every subscription from now
  // on, as an operator would with mosquitto_ctrl (which this runs).
  void allow_subscriptions();

  std::uint16_t port() const { return port_; }
  std::string url() const { return "mqtt://127.0.0.1:" + std::to_string(port_); }
  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  void write_config(const Options& options);

  TempDir dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  bool paused_ = false;
};

}  // namespace iotgw::test
