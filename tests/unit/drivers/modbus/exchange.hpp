// A scripted exchange for the master core, read like the wire:
//
//   Exchange wire(options);
//   wire.expect(request).reply(response, after(20ms));
//   wire.command({1, 0x11, pdu::ReadHoldingRegisters{107, 3}});
//   wire.run();
//
// A fake clock jumps to the next deadline (a timer the core asked for, a
// scripted reply, a line silence), so timeouts cost no real time. Every frame
// the core sends must match the next step (a mismatch prints both frames
// decoded), and steps left over when the exchange ends fail the test.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "drivers/modbus/master.hpp"
#include "tests/unit/drivers/modbus/support.hpp"

namespace iotgw::drivers::modbus::test {

using TimePoint = Master::TimePoint;
using event::TimerKind;

inline Micros after(Micros delay) {
  return delay;
}

class Exchange {
 public:
  explicit Exchange(const MasterOptions& options) : master_(options), options_(options) {}
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  ~Exchange() {
    for (std::size_t i = next_step_; i < steps_.size(); ++i) {
      ADD_FAILURE() << "scripted step " << i << " never happened: expected "
                    << describe(steps_[i].request);
    }
  }

  // The next frame the core must send.
  Exchange& expect(Bytes request) {
    steps_.push_back(Step{std::move(request), {}});
    return *this;
  }
  // The peer answers the expected frame `delay` after it was sent, in one piece...
  Exchange& reply(Bytes response, Micros delay) {
    return reply_chunks(std::move(response), delay, 0, {});
  }
  // ...or in chunks of `size` bytes `spacing` apart.
  Exchange& reply_chunks(Bytes response, Micros delay, std::size_t size, Micros spacing) {
    Step& step = steps_.back();
    const std::size_t chunk = size == 0 ? response.size() : size;
    Micros at = delay;
    for (std::size_t i = 0; i < response.size(); i += chunk) {
      const auto last = std::min(response.size(), i + chunk);
      step.replies.push_back({at, Bytes(response.begin() + static_cast<std::ptrdiff_t>(i),
                                        response.begin() + static_cast<std::ptrdiff_t>(last))});
      at += spacing;
    }
    return *this;
  }

  // Like the Asio layer, report t3.5 of silence after received bytes (RTU).
  void signal_silence(Micros interval) { silence_interval_ = interval; }

  void command(Transaction transaction) { apply(master_.command(std::move(transaction), now_)); }
  // Bytes from the peer now, outside the script (noise, late answers).
  void deliver_at(Micros from_now, Bytes bytes) { deliveries_.push_back({now_ + from_now, bytes}); }

  // Runs until nothing is scheduled any more.
  void run() { run_until(std::nullopt); }
  void run_for(Micros duration) { run_until(now_ + duration); }

  Master& master() { return master_; }
  TimePoint now() const { return now_; }
  Micros elapsed(TimePoint at) const { return std::chrono::duration_cast<Micros>(at - start_); }

  struct Sent {
    TimePoint at;
    Bytes bytes;
  };
  const std::vector<Sent>& sent() const { return sent_; }
  const std::vector<event::TransactionCompleted>& completed() const { return completed_; }
  const std::map<TimerKind, TimePoint>& timers() const { return timers_; }
  int transport_resets() const { return transport_resets_; }
  std::optional<event::CountersChanged> last_counters_event() const { return last_counters_; }

 private:
  struct Step {
    Bytes request;
    std::vector<std::pair<Micros, Bytes>> replies;
  };
  struct Delivery {
    TimePoint at;
    Bytes bytes;
  };

  std::string describe(const Bytes& frame) const {
    return describe_frame(frame, options_.framing->kind == FramingKind::tcp);
  }

  void apply(std::vector<Event> events) {
    for (auto& ev : events) {
      if (auto* send = std::get_if<event::SendBytes>(&ev)) {
        on_send(send->bytes);
      } else if (auto* set = std::get_if<event::SetTimer>(&ev)) {
        timers_[set->kind] = now_ + set->after;
      } else if (auto* cancel = std::get_if<event::CancelTimer>(&ev)) {
        timers_.erase(cancel->kind);
      } else if (auto* done = std::get_if<event::TransactionCompleted>(&ev)) {
        completed_.push_back(std::move(*done));
      } else if (auto* counters = std::get_if<event::CountersChanged>(&ev)) {
        last_counters_ = *counters;
      } else if (std::holds_alternative<event::ResetTransport>(ev)) {
        ++transport_resets_;
      }
    }
  }

  void on_send(const Bytes& bytes) {
    sent_.push_back({now_, bytes});
    if (next_step_ >= steps_.size()) {
      ADD_FAILURE() << "unscripted frame sent at " << elapsed(now_).count()
                    << " us: " << describe(bytes);
      return;
    }
    const Step& step = steps_[next_step_++];
    if (step.request != bytes) {
      ADD_FAILURE() << "frame " << next_step_ - 1 << " at " << elapsed(now_).count()
                    << " us\n  expected: " << describe(step.request)
                    << "\n  sent:     " << describe(bytes);
    }
    for (const auto& [delay, reply] : step.replies) {
      deliveries_.push_back({now_ + delay, reply});
    }
  }

  void run_until(std::optional<TimePoint> end) {
    for (int guard = 0; guard < 100000; ++guard) {
      std::optional<TimePoint> next;
      const auto consider = [&](TimePoint at) {
        if (!next || at < *next) {
          next = at;
        }
      };
      for (const auto& delivery : deliveries_) {
        consider(delivery.at);
      }
      for (const auto& [kind, at] : timers_) {
        consider(at);
      }
      if (silence_at_) {
        consider(*silence_at_);
      }
      if (!next || (end && *next > *end)) {
        break;
      }
      now_ = std::max(now_, *next);
      step_once();
    }
    if (end) {
      now_ = std::max(now_, *end);
    }
  }

  // Dispatches what is due now: received bytes first, then silence, then timers.
  void step_once() {
    for (auto it = deliveries_.begin(); it != deliveries_.end(); ++it) {
      if (it->at <= now_) {
        const Bytes bytes = std::move(it->bytes);
        deliveries_.erase(it);
        if (silence_interval_) {
          silence_at_ = now_ + *silence_interval_;
        }
        apply(master_.feed(bytes, now_));
        return;
      }
    }
    if (silence_at_ && *silence_at_ <= now_) {
      silence_at_.reset();
      apply(master_.on_silence(now_));
      return;
    }
    for (auto it = timers_.begin(); it != timers_.end(); ++it) {
      if (it->second <= now_) {
        const TimerKind kind = it->first;
        timers_.erase(it);
        apply(master_.on_timer(kind, now_));
        return;
      }
    }
  }

  Master master_;
  MasterOptions options_;
  TimePoint start_{std::chrono::seconds{1000}};
  TimePoint now_{start_};
  std::vector<Step> steps_;
  std::size_t next_step_ = 0;
  std::vector<Delivery> deliveries_;
  std::map<TimerKind, TimePoint> timers_;
  std::optional<Micros> silence_interval_;
  std::optional<TimePoint> silence_at_;
  std::vector<Sent> sent_;
  std::vector<event::TransactionCompleted> completed_;
  std::optional<event::CountersChanged> last_counters_;
  int transport_resets_ = 0;
};

}  // namespace iotgw::drivers::modbus::test
