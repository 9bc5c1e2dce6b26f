// A scripted exchange between a session core and a fake broker, read like
// the wire: expect(CONNECT).reply(CONNACK, 2ms).wait(30s).expect(PINGREQ).
// Time is a fake clock that jumps from deadline to deadline, firing the
// timers the session asked for, so keepalive tests take no real time. A
// mismatch prints both packets decoded; sends left unchecked fail the test.
#pragma once

#include <chrono>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bridge/mqtt/session.hpp"

namespace iotgw::bridge::mqtt::test {

// One line naming the packet and its key fields, or why it does not decode.
inline std::string describe(const std::vector<std::uint8_t>& wire, packet::Version version) {
  std::string hex;
  for (const auto b : wire) {
    char digits[4];
    std::snprintf(digits, sizeof digits, "%02X ", b);
    hex += digits;
  }
  auto decoded = decode(wire, version, packet::DecodeLimits{1u << 20});
  if (!decoded) {
    return "malformed (" + decoded.error().reason + "): " + hex;
  }
  std::string text(to_string(packet::type_of(*decoded)));
  if (const auto* p = std::get_if<packet::Publish>(&*decoded)) {
    text += " topic=" + p->topic + " qos=" + std::to_string(static_cast<int>(p->qos)) +
            " id=" + std::to_string(p->packet_id) + (p->dup ? " dup" : "") +
            (p->retain ? " retain" : "");
  }
  return text + ": " + hex;
}

class Exchange {
 public:
  using Bytes = std::vector<std::uint8_t>;

  explicit Exchange(Session& s) : session_(s) {}

  ~Exchange() {
    for (const auto& left : sent_) {
      ADD_FAILURE() << "unexpected packet from the session: " << describe(left, session_.version());
    }
  }

  TimePoint now() const { return now_; }

  // Runs a command now and takes in its events.
  Exchange& run(const std::function<Events(Session&, TimePoint)>& command) {
    take(command(session_, now_));
    return *this;
  }

  // The session's next packet must be `wire`.
  Exchange& expect(const Bytes& wire) {
    if (sent_.empty()) {
      ADD_FAILURE() << "expected " << describe(wire, session_.version())
                    << " but the session sent nothing";
      return *this;
    }
    EXPECT_EQ(sent_.front(), wire) << "expected " << describe(wire, session_.version())
                                   << "\n     got " << describe(sent_.front(), session_.version());
    sent_.pop_front();
    return *this;
  }

  // The session sent nothing that was not checked yet.
  Exchange& expect_nothing() {
    for (const auto& left : sent_) {
      ADD_FAILURE() << "unexpected packet from the session: " << describe(left, session_.version());
    }
    sent_.clear();
    return *this;
  }

  // The broker sends `wire` after `delay`; timers due before then fire first.
  Exchange& reply(const Bytes& wire, std::chrono::milliseconds delay = {}) {
    wait(delay);
    take(session_.feed(wire, now_));
    return *this;
  }

  // Lets `delay` pass, firing every timer that falls due, in deadline order.
  Exchange& wait(std::chrono::milliseconds delay) {
    const TimePoint until = now_ + delay;
    while (!timers_.empty()) {
      auto earliest = timers_.begin();
      for (auto it = timers_.begin(); it != timers_.end(); ++it) {
        if (it->second < earliest->second) {
          earliest = it;
        }
      }
      if (earliest->second > until) {
        break;
      }
      const event::TimerKind kind = earliest->first;
      now_ = earliest->second;
      timers_.erase(earliest);
      take(session_.on_timer(kind, now_));
    }
    now_ = until;
    return *this;
  }

  // Every non-send event seen so far, in order (sends are checked by expect).
  const Events& seen() const { return seen_; }

  // The events of type E seen so far.
  template <class E>
  std::vector<E> seen_of() const {
    std::vector<E> found;
    for (const auto& e : seen_) {
      if (const auto* match = std::get_if<E>(&e)) {
        found.push_back(*match);
      }
    }
    return found;
  }

  bool timer_running(event::TimerKind kind) const { return timers_.count(kind) != 0; }

 private:
  void take(Events&& out) {
    for (auto& e : out) {
      if (auto* s = std::get_if<event::Send>(&e)) {
        sent_.push_back(std::move(s->bytes));
      } else if (const auto* set = std::get_if<event::TimerSet>(&e)) {
        timers_[set->kind] = now_ + set->after;
        seen_.push_back(std::move(e));
      } else if (const auto* cancel = std::get_if<event::TimerCancel>(&e)) {
        timers_.erase(cancel->kind);
        seen_.push_back(std::move(e));
      } else {
        seen_.push_back(std::move(e));
      }
    }
  }

  Session& session_;
  TimePoint now_{};
  std::deque<Bytes> sent_;
  std::map<event::TimerKind, TimePoint> timers_;
  Events seen_;
};

}  // namespace iotgw::bridge::mqtt::test
