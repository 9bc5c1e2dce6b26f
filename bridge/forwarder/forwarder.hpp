// Drains the store into the uplink: fetches the oldest unsent messages up to
// the in-flight window, publishes them, and acknowledges each store row only
// once the broker has acknowledged its message (PUBACK/PUBCOMP), so nothing is
// deleted on read. Messages whose publication fails stay in the store and go
// out again after a restart; the MQTT session itself resends in-flight
// messages after a reconnect, so the forwarder never rewinds.
//
// Unless the forwarder resends them itself (`resend_undelivered`: Sparkplug
// B, whose messages are numbered per connection after its birth, so that the
// session must not resend them on the next connection ahead of the birth).
// Then a message given back undelivered pauses the forwarder; once resumed
// it publishes the messages given back first, in their order, then the rest.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bridge/store/store.hpp"

namespace iotgw::bridge::forwarder {

// How a publication ended.
enum class Outcome {
  delivered,    // the broker acknowledged it (QoS 1/2), or it was written (QoS 0)
  undelivered,  // not now (the client stopped); the row stays for the next start
  rejected,     // never: the message itself is unfit (topic, size), or the broker refused
                // it (MQTT 5 reason code); its row is dropped
  expired,      // older than telemetry.expiry: dropped instead of sent
};

// What the forwarder needs of the MQTT client.
class Publisher {
 public:
  // Called once per message.
  using Done = std::function<void(Outcome)>;

  virtual ~Publisher() = default;
  virtual void publish(const store::Message& message, Done done) = 0;
};

class Forwarder {
 public:
  struct Counters {
    std::uint64_t published = 0;  // handed to the publisher
    std::uint64_t delivered = 0;  // acknowledged by the broker
    std::uint64_t undelivered = 0;
    std::uint64_t rejected = 0;
    std::uint64_t expired = 0;
  };

  // window: messages published and not yet acknowledged, at most (mqtt.inflight).
  // The publisher's completions and the store's must all have run before the
  // forwarder is destroyed: stop it, stop the client, then stop the store.
  Forwarder(boost::asio::any_io_executor executor, store::Store& store, Publisher& publisher,
            std::size_t window, bool resend_undelivered = false);

  void start();
  void stop();
  // Nothing more goes to the publisher until resume(); what went completes.
  // A forwarder that resends undelivered messages starts paused.
  void pause() { paused_ = true; }
  void resume();

  const Counters& counters() const { return counters_; }
  std::size_t outstanding() const { return outstanding_; }

 private:
  boost::asio::awaitable<void> run();
  void finished(store::Seq seq, Outcome outcome);
  void acknowledge(store::Seq seq);
  void send_acks();
  std::size_t ack_batch() const;
  void publish_ahead();
  std::size_t read_ahead() const;
  // Fetched and not acknowledged: outstanding, ahead, or waiting to be resent.
  std::size_t held() const { return outstanding_ + ahead_.size() + resend_.size(); }

  store::Store& store_;
  Publisher& publisher_;
  std::size_t window_;
  std::size_t outstanding_ = 0;
  // Fetched and not yet published: at most read_ahead() beyond a full window.
  std::deque<store::Message> ahead_;
  boost::asio::steady_timer room_;  // wakes the fetch loop when read_ahead() is free
  // Acks gathered for up to ack_delay, or half a window, go to the store as
  // one request.
  std::vector<store::Seq> acks_;
  boost::asio::steady_timer ack_timer_;
  bool ack_timer_armed_ = false;
  bool stopping_ = false;
  const bool resend_undelivered_;
  bool paused_;
  // With resend_undelivered: a copy of each message out, and those given back.
  std::map<store::Seq, store::Message> out_;
  std::map<store::Seq, store::Message> resend_;
  Counters counters_;
  std::uint64_t expired_in_run_ = 0;  // expired rows since the last one sent
};

}  // namespace iotgw::bridge::forwarder
