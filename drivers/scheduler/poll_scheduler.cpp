#include "drivers/scheduler/poll_scheduler.hpp"

#include <algorithm>

namespace iotgw::drivers::scheduler {

PollScheduler::PollScheduler(std::vector<DeviceTiming> devices, TimePoint start) {
  devices_.reserve(devices.size());
  for (const DeviceTiming& timing : devices) {
    devices_.push_back(Device{.timing = timing, .due = start, .pending = {}, .status = {}});
  }
}

void PollScheduler::add_write(std::size_t device, std::uint64_t id) {
  writes_.push_back({device, id});
}

void PollScheduler::poll_now(std::size_t device, TimePoint now) {
  devices_[device].due = std::min(devices_[device].due, now);
}

// Starts a poll and moves the device's due time on by whole intervals from the
// previous due time, so that polls keep their phase instead of drifting by the
// time each poll takes; slots that have already passed are skipped and counted.
void PollScheduler::start_poll(Device& device, TimePoint now) {
  device.pending = 0;
  ++device.status.polls_started;
  const Duration interval = device.timing.interval;
  device.due += interval;
  if (device.due <= now) {
    const auto missed = (now - device.due) / interval + 1;
    device.status.polls_skipped += static_cast<std::uint64_t>(missed);
    device.due += missed * interval;
  }
}

bool PollScheduler::poll_due(TimePoint now) const {
  return in_progress_ || std::any_of(devices_.begin(), devices_.end(),
                                     [now](const Device& device) { return device.due <= now; });
}

std::optional<PollScheduler::Job> PollScheduler::next(TimePoint now) {
  // Commands wait for at most one request of a poll, never for a whole poll;
  // but after a write, a poll request that is due goes first, so that a flood
  // of commands slows polling to half the bus at worst instead of stopping it.
  if (!writes_.empty() && !(write_went_last_ && poll_due(now))) {
    const Write write = writes_.front();
    writes_.pop_front();
    write_went_last_ = true;
    return write;
  }
  write_went_last_ = false;
  if (!in_progress_) {
    Device* earliest = nullptr;
    for (Device& device : devices_) {
      if (device.due <= now && (earliest == nullptr || device.due < earliest->due)) {
        earliest = &device;
      }
    }
    if (earliest == nullptr) {
      return std::nullopt;
    }
    start_poll(*earliest, now);
    in_progress_ = static_cast<std::size_t>(earliest - devices_.data());
  }
  Device& device = devices_[*in_progress_];
  return Poll{*in_progress_, *device.pending};
}

std::optional<PollScheduler::TimePoint> PollScheduler::wake_at() const {
  if (!writes_.empty() || in_progress_) {
    return TimePoint::min();
  }
  std::optional<TimePoint> earliest;
  for (const Device& device : devices_) {
    if (!earliest || device.due < *earliest) {
      earliest = device.due;
    }
  }
  return earliest;
}

void PollScheduler::finished(const Job& job, bool answered, TimePoint now) {
  const std::size_t index = std::visit([](const auto& j) { return j.device; }, job);
  Device& device = devices_[index];
  if (answered) {
    device.status.consecutive_failures = 0;
    device.status.backing_off = false;
  } else {
    // Each further silence doubles the pause before the device is tried again,
    // from one interval up to max_backoff (or the interval, if that is longer).
    ++device.status.consecutive_failures;
    device.status.backing_off = true;
    const int doublings = std::min(device.status.consecutive_failures - 1, 20);
    const Duration cap = std::max(max_backoff, device.timing.interval);
    const Duration pause = std::min<Duration>(device.timing.interval * (1LL << doublings), cap);
    device.due = std::max(device.due, now + pause);
  }
  if (!std::holds_alternative<Poll>(job) || in_progress_ != index) {
    return;
  }
  // A device that did not answer one request of a poll is not asked the rest.
  if (!answered || ++*device.pending == device.timing.requests) {
    device.pending.reset();
    in_progress_.reset();
  }
}

}  // namespace iotgw::drivers::scheduler
