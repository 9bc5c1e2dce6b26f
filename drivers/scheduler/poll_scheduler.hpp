// What a bus does next, sans-I/O: fixed-rate polls per device without drift,
// writes ahead of polls (but never two writes in a row while a poll is due), and a device that
// stops answering backed off (and probed again later) so that one dead slave does not starve the
// rest of its bus. The bus's Asio layer asks next() whenever the line is free and sleeps until
// wake_at() otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <variant>
#include <vector>

namespace iotgw::drivers::scheduler {

class PollScheduler {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;
  using Duration = Clock::duration;

  struct DeviceTiming {
    Duration interval;
    std::size_t requests = 1;  // requests in one poll of the device
  };

  // Request `request` of the current poll of `device`.
  struct Poll {
    std::size_t device;
    std::size_t request;
    friend bool operator==(const Poll&, const Poll&) = default;
  };
  // A write queued with add_write, identified by the caller's id.
  struct Write {
    std::size_t device;
    std::uint64_t id;
    friend bool operator==(const Write&, const Write&) = default;
  };
  using Job = std::variant<Poll, Write>;

  struct DeviceStatus {
    int consecutive_failures = 0;
    bool backing_off = false;
    std::uint64_t polls_started = 0;
    std::uint64_t polls_skipped = 0;  // slots missed because the bus was too busy
  };

  // The longest pause between probes of a device that does not answer.
  static constexpr Duration max_backoff = std::chrono::minutes(5);

  // Every device's first poll is due at start.
  PollScheduler(std::vector<DeviceTiming> devices, TimePoint start);

  void add_write(std::size_t device, std::uint64_t id);
  // A "read now" command: the device's next poll starts as soon as the bus is free.
  void poll_now(std::size_t device, TimePoint now);

  // The job to run now that the bus is free, if any is due.
  std::optional<Job> next(TimePoint now);
  // When next() will have something, if nothing is due now; empty when idle for good.
  std::optional<TimePoint> wake_at() const;
  // Reports how a job from next() ended: answered is false when the device never
  // answered (timeout after retries); an exception or a bad value is an answer.
  void finished(const Job& job, bool answered, TimePoint now);

  const DeviceStatus& status(std::size_t device) const { return devices_[device].status; }

 private:
  struct Device {
    DeviceTiming timing;
    TimePoint due;                       // start of the next poll
    std::optional<std::size_t> pending;  // next request of the poll in progress
    DeviceStatus status;
  };

  void start_poll(Device& device, TimePoint now);
  bool poll_due(TimePoint now) const;

  std::vector<Device> devices_;
  std::deque<Write> writes_;
  std::optional<std::size_t> in_progress_;  // the device whose poll is running
  bool write_went_last_ = false;
};

}  // namespace iotgw::drivers::scheduler
