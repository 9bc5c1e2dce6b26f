// The benchmark's subscriber: an MQTT client on its own thread, subscribed at
// QoS 1, that counts the messages under a topic prefix as they arrive (and
// those of them reporting a good reading), with the arrival times of the
// first and the last, and keeps the latest payload of every other topic
// (status, metrics). Everything it reports is safe to read from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "bridge/mqtt/io/client.hpp"
#include "config/config.hpp"

namespace iotgw::bench {

using Clock = std::chrono::steady_clock;

// Waits for `condition`, checking every few milliseconds; false after `timeout`.
bool wait_for(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

class Watcher {
 public:
  struct Latest {
    std::string payload;
    Clock::time_point at;
  };

  // Called on the watcher's thread for each counted message as it arrives.
  using Observer = std::function<void(const bridge::mqtt::packet::Publish&, Clock::time_point)>;

  // Connects to the loopback broker and subscribes to `filter`; counts the
  // messages whose topic starts with `counted_prefix` (and shows them to
  // `observer`). Returns once the broker granted the subscription; throws if
  // it did not within 10 s.
  Watcher(std::uint16_t broker_port, const std::string& client_id, const std::string& filter,
          std::string counted_prefix, Observer observer = {});
  // Disconnects and ends the thread.
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  std::uint64_t counted() const { return counted_; }
  // Counted messages whose payload says "quality":"good".
  std::uint64_t good() const { return good_; }
  Clock::time_point first_at() const { return at(first_ns_); }
  Clock::time_point last_at() const { return at(last_ns_); }
  Clock::time_point last_good_at() const { return at(last_good_ns_); }
  // The latest message on a topic that is not counted.
  std::optional<Latest> latest(const std::string& topic) const;

 private:
  static Clock::time_point at(const std::atomic<std::int64_t>& ns) {
    return Clock::time_point(
        std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(ns.load())));
  }
  void on_message(const bridge::mqtt::packet::Publish& message);

  std::string counted_prefix_;
  Observer observer_;
  config::Mqtt mqtt_;
  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  bridge::mqtt::io::Client client_;
  std::atomic<bool> subscribed_{false};
  std::atomic<std::uint64_t> counted_{0};
  std::atomic<std::uint64_t> good_{0};
  std::atomic<std::int64_t> first_ns_{0};
  std::atomic<std::int64_t> last_ns_{0};
  std::atomic<std::int64_t> last_good_ns_{0};
  mutable std::mutex mutex_;
  std::map<std::string, Latest> latest_;
  std::thread thread_;  // last: runs once everything above exists
};

}  // namespace iotgw::bench
