// The poll scheduler on a fake clock: a simulated bus runs each job for a
// scripted time and answers or not, and the test checks when each job started.
#include <functional>

#include <gtest/gtest.h>

#include "drivers/scheduler/poll_scheduler.hpp"

namespace iotgw::drivers::scheduler {
namespace {

using namespace std::chrono_literals;
using Job = PollScheduler::Job;
using Poll = PollScheduler::Poll;
using Write = PollScheduler::Write;
using TimePoint = PollScheduler::TimePoint;

const TimePoint t0{};

struct Started {
  std::chrono::milliseconds at;
  Job job;
  friend bool operator==(const Started&, const Started&) = default;
};

void PrintTo(const Started& started, std::ostream* out) {
  *out << started.at.count() << "ms ";
  if (const auto* poll = std::get_if<Poll>(&started.job)) {
    *out << "poll d" << poll->device << " r" << poll->request;
  } else {
    const auto& write = std::get<Write>(started.job);
    *out << "write d" << write.device << " #" << write.id;
  }
}

// How long a job keeps the bus and whether the device answered.
struct Outcome {
  std::chrono::milliseconds takes;
  bool answered = true;
};

class SimulatedBus {
 public:
  SimulatedBus(PollScheduler& scheduler, std::function<Outcome(const Job&)> device)
      : scheduler_(scheduler), device_(std::move(device)) {}

  // Runs jobs as the bus's Asio layer would until the clock passes end.
  void run_until(std::chrono::milliseconds end) {
    while (now_ < t0 + end) {
      const std::optional<Job> job = scheduler_.next(now_);
      if (!job) {
        const std::optional<TimePoint> wake = scheduler_.wake_at();
        ASSERT_TRUE(wake);
        ASSERT_GT(*wake, now_) << "nothing to do now, yet due now";
        now_ = *wake;
        continue;
      }
      started_.push_back({std::chrono::duration_cast<std::chrono::milliseconds>(now_ - t0), *job});
      const Outcome outcome = device_(*job);
      now_ += outcome.takes;
      scheduler_.finished(*job, outcome.answered, now_);
    }
  }

  // When polls of a device started (its first request).
  std::vector<std::chrono::milliseconds> poll_starts(std::size_t device) const {
    std::vector<std::chrono::milliseconds> starts;
    for (const Started& started : started_) {
      const auto* poll = std::get_if<Poll>(&started.job);
      if (poll != nullptr && poll->device == device && poll->request == 0) {
        starts.push_back(started.at);
      }
    }
    return starts;
  }

  const std::vector<Started>& started() const { return started_; }
  TimePoint now() const { return now_; }

 private:
  PollScheduler& scheduler_;
  std::function<Outcome(const Job&)> device_;
  TimePoint now_ = t0;
  std::vector<Started> started_;
};

using Millis = std::vector<std::chrono::milliseconds>;

TEST(PollScheduler, PollsAtAFixedRateWithoutDrift) {
  PollScheduler scheduler({{.interval = 1s, .requests = 3}}, t0);
  SimulatedBus bus(scheduler, [](const Job&) { return Outcome{110ms}; });
  bus.run_until(5s);
  EXPECT_EQ(bus.poll_starts(0), (Millis{0ms, 1000ms, 2000ms, 3000ms, 4000ms}));
  ASSERT_GE(bus.started().size(), 3U);
  EXPECT_EQ(bus.started()[1], (Started{110ms, Poll{0, 1}}));
  EXPECT_EQ(bus.started()[2], (Started{220ms, Poll{0, 2}}));
}

TEST(PollScheduler, RunsOnePollAtATimeInDueOrder) {
  PollScheduler scheduler({{.interval = 1s, .requests = 2}, {.interval = 500ms, .requests = 1}},
                          t0);
  SimulatedBus bus(scheduler, [](const Job&) { return Outcome{100ms}; });
  bus.run_until(2s);
  EXPECT_EQ(bus.poll_starts(0), (Millis{0ms, 1000ms}));
  // Device 1 waits for device 0's poll to finish, then keeps its own phase.
  EXPECT_EQ(bus.poll_starts(1), (Millis{200ms, 500ms, 1200ms, 1500ms}));
}

TEST(PollScheduler, PutsWritesAheadOfTheRestOfAPoll) {
  PollScheduler scheduler({{.interval = 1s, .requests = 3}}, t0);
  bool queued = false;
  SimulatedBus bus(scheduler, [&](const Job&) {
    if (!queued) {
      scheduler.add_write(0, 42);
      queued = true;
    }
    return Outcome{100ms};
  });
  bus.run_until(400ms);
  EXPECT_EQ(
      bus.started(),
      (std::vector<Started>{
          {0ms, Poll{0, 0}}, {100ms, Write{0, 42}}, {200ms, Poll{0, 1}}, {300ms, Poll{0, 2}}}));
}

TEST(PollScheduler, KeepsPollingThroughAFloodOfWrites) {
  PollScheduler scheduler({{.interval = 200ms, .requests = 2}}, t0);
  std::uint64_t next_id = 1;
  // Every job leaves two more writes queued than it found: a sender that never stops.
  SimulatedBus bus(scheduler, [&](const Job&) {
    scheduler.add_write(0, next_id++);
    scheduler.add_write(0, next_id++);
    return Outcome{50ms};
  });
  bus.run_until(1s);
  // A write, then the due poll request, in turn: polls keep their 200 ms slots.
  EXPECT_EQ(bus.poll_starts(0), (Millis{0ms, 200ms, 400ms, 600ms, 800ms}));
  const std::vector<Started>& started = bus.started();
  ASSERT_GE(started.size(), 4U);
  EXPECT_EQ(started[1], (Started{50ms, Write{0, 1}}));
  EXPECT_EQ(started[2], (Started{100ms, Poll{0, 1}}));
  EXPECT_EQ(started[3], (Started{150ms, Write{0, 2}}));
}

TEST(PollScheduler, SkipsSlotsItCannotKeepInsteadOfBursting) {
  PollScheduler scheduler({{.interval = 100ms, .requests = 1}}, t0);
  SimulatedBus bus(scheduler, [](const Job&) { return Outcome{250ms}; });
  bus.run_until(1s);
  // Each late poll starts as soon as the bus is free and stands for every slot
  // that passed meanwhile: slots 0..700 ms are 4 polls and 4 skipped slots.
  EXPECT_EQ(bus.poll_starts(0), (Millis{0ms, 250ms, 500ms, 750ms}));
  EXPECT_EQ(scheduler.status(0).polls_skipped, 4U);
}

TEST(PollScheduler, BacksOffADeadDeviceSoTheOthersKeepTheirRate) {
  PollScheduler scheduler({{.interval = 1s, .requests = 4}, {.interval = 1s, .requests = 1}}, t0);
  // Device 0 never answers: each attempt costs a 400 ms timeout.
  SimulatedBus bus(scheduler, [](const Job& job) {
    return std::get<Poll>(job).device == 0 ? Outcome{400ms, false} : Outcome{50ms};
  });
  bus.run_until(30s);
  // Only the first request of each poll is tried; the pauses double.
  EXPECT_EQ(bus.poll_starts(0), (Millis{0ms, 1400ms, 3800ms, 8200ms, 16600ms}));
  EXPECT_EQ(bus.started()[1], (Started{400ms, Poll{1, 0}}));
  // Device 1 is never more than one timeout late.
  const Millis device1 = bus.poll_starts(1);
  ASSERT_EQ(device1.size(), 30U);
  for (std::size_t i = 1; i < device1.size(); ++i) {
    EXPECT_LE(device1[i] - std::chrono::seconds(i), 400ms) << "poll " << i;
  }
  EXPECT_TRUE(scheduler.status(0).backing_off);
  EXPECT_EQ(scheduler.status(0).consecutive_failures, 5);
}

TEST(PollScheduler, ReturnsToTheNormalRateWhenADeviceAnswersAgain) {
  PollScheduler scheduler({{.interval = 1s, .requests = 1}}, t0);
  bool alive = false;
  SimulatedBus bus(scheduler, [&](const Job&) { return Outcome{100ms, alive}; });
  bus.run_until(8s);
  EXPECT_EQ(bus.poll_starts(0), (Millis{0ms, 1100ms, 3200ms, 7300ms}));
  alive = true;  // the next probe, after an 8 s pause, is answered
  bus.run_until(20s);
  EXPECT_EQ(bus.poll_starts(0),
            (Millis{0ms, 1100ms, 3200ms, 7300ms, 15400ms, 16400ms, 17400ms, 18400ms, 19400ms}));
  EXPECT_FALSE(scheduler.status(0).backing_off);
  EXPECT_EQ(scheduler.status(0).consecutive_failures, 0);
}

TEST(PollScheduler, ReadNowBringsThePollForward) {
  PollScheduler scheduler({{.interval = 1min, .requests = 1}}, t0);
  EXPECT_EQ(scheduler.next(t0), Job(Poll{0, 0}));
  scheduler.finished(Poll{0, 0}, true, t0 + 10ms);
  EXPECT_EQ(scheduler.next(t0 + 20s), std::nullopt);
  EXPECT_EQ(scheduler.wake_at(), t0 + 1min);
  scheduler.poll_now(0, t0 + 20s);
  EXPECT_EQ(scheduler.next(t0 + 20s), Job(Poll{0, 0}));
}

}  // namespace
}  // namespace iotgw::drivers::scheduler
