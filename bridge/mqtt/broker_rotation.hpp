// Which broker of the list (mqtt.url) the next connection attempt goes to. A
// failed attempt or a lost connection moves on to the next broker, wrapping
// around; only once every broker failed in turn since the last accepted
// connection does the client back off. With one broker that is a back-off
// after every failure, as before there were lists.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace iotgw::bridge::mqtt {

class BrokerRotation {
 public:
  // `brokers` is at least 1.
  explicit BrokerRotation(std::size_t brokers) : brokers_(brokers) {}

  std::size_t current() const noexcept { return current_; }
  std::size_t size() const noexcept { return brokers_; }

  // The attempt at the current broker failed, or its connection ended: the
  // next attempt goes to the next broker. True when that completes a round
  // of failures: back off first.
  bool failed() noexcept;
  // A CONNACK accepted the connection to the current broker; true when the
  // connection before was to another one (a failover).
  bool connected() noexcept;
  // Failback: the next attempt goes to the first broker, at once.
  void return_to_first() noexcept;

  // Connections accepted by another broker than the one before.
  std::uint64_t failovers() const noexcept { return failovers_; }

 private:
  std::size_t brokers_;
  std::size_t current_ = 0;
  std::size_t failures_ = 0;  // in a row, since the last accepted connection
  std::optional<std::size_t> last_connected_;
  std::uint64_t failovers_ = 0;
};

}  // namespace iotgw::bridge::mqtt
