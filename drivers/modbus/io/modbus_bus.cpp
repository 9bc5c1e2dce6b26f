#include "drivers/modbus/io/modbus_bus.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "drivers/modbus/timing.hpp"
#include "drivers/reopen_backoff.hpp"

namespace iotgw::drivers::modbus::io {
namespace {

namespace asio = boost::asio;
using modbus::Errc;
using modbus::event::TimerKind;

scheduler::PollScheduler::TimePoint now() {
  return std::chrono::steady_clock::now();
}

std::vector<modbus::ReadPlan> plan_devices(const config::Bus& bus) {
  std::vector<modbus::ReadPlan> plans;
  for (const config::Device& device : bus.devices) {
    plans.push_back(modbus::plan_reads(device));
    for (const modbus::RejectedPoint& rejected : plans.back().rejected) {
      spdlog::error("bus {}: device {}: point {} cannot be read: {}", bus.name, device.name,
                    device.points[rejected.point].name, rejected.error.message());
    }
  }
  return plans;
}

// A device with no readable point still gets a (skipped) poll slot, so that the
// scheduler's request count is never zero.
std::vector<scheduler::PollScheduler::DeviceTiming> timings(
    const config::Bus& bus, const std::vector<modbus::ReadPlan>& plans) {
  std::vector<scheduler::PollScheduler::DeviceTiming> result;
  for (std::size_t d = 0; d < bus.devices.size(); ++d) {
    result.push_back({.interval = bus.devices[d].poll_interval,
                      .requests = std::max<std::size_t>(1, plans[d].reads.size())});
  }
  return result;
}

}  // namespace

ModbusBus::ModbusBus(asio::any_io_executor executor, const config::Bus& bus, Sink sink,
                     PollEndSink poll_end)
    : executor_(executor),
      bus_(bus),
      sink_(std::move(sink)),
      poll_end_(std::move(poll_end)),
      transport_(make_transport(executor, bus)),
      master_(modbus::master_options(bus)),
      plans_(plan_devices(bus)),
      scheduler_(timings(bus, plans_), now()),
      core_timers_{asio::steady_timer(executor), asio::steady_timer(executor),
                   asio::steady_timer(executor)},
      silence_timer_(executor),
      poll_timer_(executor),
      retry_timer_(executor) {}

void ModbusBus::start() {
  running_ = true;
  asio::co_spawn(executor_, run(), [this](const std::exception_ptr&) {
    running_ = false;
    finish_if_idle();
  });
}

void ModbusBus::stop(std::function<void()> stopped) {
  stopping_ = true;
  stopped_ = std::move(stopped);
  for (asio::steady_timer& timer : core_timers_) {
    timer.cancel();
  }
  silence_timer_.cancel();
  poll_timer_.cancel();
  retry_timer_.cancel();
  transport_->close();
  fail_pending_writes("the gateway is stopping");
  if (!running_ && !writing_ && stopped_) {
    asio::post(executor_, std::exchange(stopped_, {}));
  }
}

// Tells the stop() caller once neither the reader nor the writer coroutine is left.
void ModbusBus::finish_if_idle() {
  if (stopping_ && !running_ && !writing_ && stopped_) {
    std::exchange(stopped_, {})();
  }
}

void ModbusBus::write(std::size_t device, std::size_t point, const Value& value, WriteDone done) {
  const config::Point& target = bus_.devices[device].points[point];
  modbus::Result<modbus::pdu::Request> request = modbus::write_request(target, value);
  if (!request) {
    done(request.error());
    return;
  }
  if (target.bit && target.bit_write == config::BitWrite::read_modify_write) {
    const auto masks = std::get<modbus::pdu::MaskWriteRegister>(*request);
    queue_write(device, modbus::pdu::ReadHoldingRegisters{target.address, 1}, std::move(done),
                masks);
    return;
  }
  queue_write(device, std::move(*request), std::move(done), std::nullopt);
}

void ModbusBus::write_request(std::size_t device, modbus::pdu::Request request, WriteDone done) {
  queue_write(device, std::move(request), std::move(done), std::nullopt);
}

void ModbusBus::queue_write(std::size_t device, modbus::pdu::Request request, WriteDone done,
                            std::optional<modbus::pdu::MaskWriteRegister> then_write) {
  if (!open_) {
    done(modbus::make_error(Errc::transport_reset, "the port is down"));
    return;
  }
  if (writes_.size() >= max_waiting_writes) {
    done(modbus::make_error(
        Errc::busy, fmt::format("{} writes already wait on bus {}; try again later", writes_.size(),
                                bus_.name)));
    return;
  }
  const std::uint64_t id = next_write_id_++;
  writes_.emplace(id, PendingWrite{device, std::move(request), std::move(done), then_write});
  scheduler_.add_write(device, id);
  dispatch();
}

void ModbusBus::read_now(std::size_t device) {
  scheduler_.poll_now(device, now());
  dispatch();
}

modbus::DeviceCounters ModbusBus::counters(std::size_t device) const {
  return master_.counters(static_cast<std::uint8_t>(bus_.devices[device].unit_id));
}

const scheduler::PollScheduler::DeviceStatus& ModbusBus::status(std::size_t device) const {
  return scheduler_.status(device);
}

asio::awaitable<void> ModbusBus::run() {
  ReopenBackoff backoff;
  bool reported_down = false;
  while (!stopping_) {
    const modbus::Result<> opened = co_await transport_->open();
    if (opened && !stopping_) {
      spdlog::info("bus {}: open", bus_.name);
      open_ = true;
      reported_down = false;
      answered_since_open_ = false;
      dispatch();
      co_await read_until_failure();
      // Only a connection on which a device answered counts as working: a
      // peer that accepts and then breaks every connection is backed off like
      // one that refuses, which also bounds the lines it puts in the log.
      if (answered_since_open_) {
        backoff.reset();
      }
      open_ = false;
      transport_->close();
      outgoing_.clear();
      silence_timer_.cancel();
      handle(master_.on_transport_reset(now()));
      fail_pending_writes("the port went down");
      if (stopping_) {
        break;
      }
    } else if (!reported_down) {
      spdlog::warn("bus {}: {}; retrying", bus_.name, opened.error().detail);
    }
    if (!reported_down) {
      report_port_down(bus_, sink_, poll_end_);
      reported_down = true;
    }
    retry_timer_.expires_after(backoff.next());
    boost::system::error_code ignored;
    co_await retry_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

asio::awaitable<void> ModbusBus::read_until_failure() {
  // RTU frames on a serial line end with 3.5 characters of silence; over TCP
  // the network's own pauses would cut frames, so there the length decides alone.
  const bool timed_silence = bus_.protocol == config::Protocol::modbus_rtu;
  std::array<std::uint8_t, 512> buffer;
  for (;;) {
    boost::system::error_code error;
    const std::size_t size = co_await transport_->read_some(asio::buffer(buffer), error);
    if (error) {
      if (!stopping_) {
        spdlog::warn("bus {}: connection lost: {}", bus_.name, error.message());
      }
      co_return;
    }
    handle(master_.feed(std::span(buffer.data(), size), now()));
    if (timed_silence) {
      silence_timer_.expires_after(modbus::silent_interval(bus_));
      silence_timer_.async_wait([this](boost::system::error_code cancelled) {
        if (!cancelled) {
          handle(master_.on_silence(now()));
        }
      });
    }
  }
}

void ModbusBus::send(modbus::Bytes bytes) {
  outgoing_.push_back(std::move(bytes));
  if (!writing_) {
    writing_ = true;
    asio::co_spawn(executor_, write_queued(), asio::detached);
  }
}

asio::awaitable<void> ModbusBus::write_queued() {
  while (!outgoing_.empty()) {
    const modbus::Bytes bytes = std::move(outgoing_.front());
    outgoing_.pop_front();
    boost::system::error_code error;
    co_await transport_->write(asio::buffer(bytes), error);
    if (error) {
      // The reader sees the closed transport and reopens it.
      transport_->close();
      outgoing_.clear();
    }
  }
  writing_ = false;
  finish_if_idle();
}

void ModbusBus::handle(std::vector<modbus::Event> events) {
  for (modbus::Event& event : events) {
    if (auto* bytes = std::get_if<modbus::event::SendBytes>(&event)) {
      send(std::move(bytes->bytes));
    } else if (const auto* set = std::get_if<modbus::event::SetTimer>(&event)) {
      arm_timer(set->kind, set->after);
    } else if (const auto* cancel = std::get_if<modbus::event::CancelTimer>(&event)) {
      core_timers_[static_cast<std::size_t>(cancel->kind)].cancel();
    } else if (auto* done = std::get_if<modbus::event::TransactionCompleted>(&event)) {
      completed(*done);
    } else if (const auto* reset = std::get_if<modbus::event::ResetTransport>(&event)) {
      spdlog::warn("bus {}: reconnecting: {}", bus_.name, reset->reason);
      transport_->close();
    }
  }
}

void ModbusBus::arm_timer(TimerKind kind, std::chrono::microseconds after) {
  asio::steady_timer& timer = core_timers_[static_cast<std::size_t>(kind)];
  timer.expires_after(after);
  timer.async_wait([this, kind](boost::system::error_code cancelled) {
    if (!cancelled) {
      handle(master_.on_timer(kind, now()));
    }
  });
}

// Starts the next job of the scheduler when the line is free, or sleeps until one is due.
void ModbusBus::dispatch() {
  if (!open_ || stopping_ || active_ || master_.busy()) {
    return;
  }
  for (;;) {
    const std::optional<scheduler::PollScheduler::Job> job = scheduler_.next(now());
    if (!job) {
      arm_poll_timer();
      return;
    }
    modbus::Transaction transaction;
    std::size_t device = 0;
    if (const auto* poll = std::get_if<scheduler::PollScheduler::Poll>(&*job)) {
      device = poll->device;
      const std::vector<modbus::PlannedRead>& reads = plans_[device].reads;
      if (poll->request >= reads.size()) {
        scheduler_.finished(*job, true, now());
        continue;
      }
      transaction.request = reads[poll->request].request();
    } else {
      const auto& write = std::get<scheduler::PollScheduler::Write>(*job);
      const auto pending = writes_.find(write.id);
      if (pending == writes_.end()) {
        continue;  // failed while it waited for the line
      }
      device = write.device;
      transaction.tag = write.id;
      transaction.request = pending->second.request;
    }
    transaction.unit = static_cast<std::uint8_t>(bus_.devices[device].unit_id);
    active_ = *job;
    crc_errors_before_ = master_.counters(transaction.unit).crc_errors;
    handle(master_.command(std::move(transaction), now()));
    return;
  }
}

void ModbusBus::arm_poll_timer() {
  const std::optional<scheduler::PollScheduler::TimePoint> wake = scheduler_.wake_at();
  if (!wake) {
    return;
  }
  poll_timer_.expires_at(*wake);
  poll_timer_.async_wait([this](boost::system::error_code cancelled) {
    if (!cancelled) {
      dispatch();
    }
  });
}

void ModbusBus::completed(modbus::event::TransactionCompleted& completion) {
  if (!active_) {
    return;
  }
  const scheduler::PollScheduler::Job job = *active_;
  active_.reset();
  const modbus::Result<modbus::pdu::Response>& result = completion.result;
  // A transport reset says nothing about the device: port_down covers its points.
  const bool reset = !result && result.error().code == Errc::transport_reset;
  const bool answered = result || result.error().code != Errc::timeout;
  answered_since_open_ = answered_since_open_ || (answered && !reset);

  if (const auto* poll = std::get_if<scheduler::PollScheduler::Poll>(&job)) {
    if (!reset) {
      const Quality failure = result ? Quality{} : quality_of(result.error(), poll->device);
      emit_poll(*poll, result, failure);
    }
    // The scheduler ends a poll after its last request, or after a request
    // the device did not answer (the rest of the poll is not asked).
    if (poll_end_ && (!answered || poll->request + 1 >= plans_[poll->device].reads.size())) {
      poll_end_(bus_.devices[poll->device]);
    }
  } else {
    const auto& write = std::get<scheduler::PollScheduler::Write>(job);
    if (write_back(write, result)) {
      return;
    }
    auto pending = writes_.extract(write.id);
    // The caller logs the outcome: writes come from command senders, whose
    // lines it rate-limits.
    if (!pending.empty()) {
      pending.mapped().done(result ? modbus::Result<>{} : modbus::Result<>{result.error()});
    }
  }
  scheduler_.finished(job, answered, now());
  dispatch();
}

// The read of a read-modify-write answered: the register goes back with the
// bit changed, as the next transaction on the line, before the job ends and
// the scheduler may pick a poll or another write.
bool ModbusBus::write_back(const scheduler::PollScheduler::Write& write,
                           const modbus::Result<modbus::pdu::Response>& result) {
  const auto pending = writes_.find(write.id);
  if (pending == writes_.end() || !pending->second.then_write || !result) {
    return false;
  }
  const auto* read = std::get_if<modbus::pdu::RegistersRead>(&*result);
  if (read == nullptr || read->registers.size() != 1) {
    return false;
  }
  const modbus::pdu::MaskWriteRegister masks = *std::exchange(pending->second.then_write, {});
  // What function 22 does in the device (Modbus Application Protocol 6.16).
  const auto value = static_cast<std::uint16_t>((read->registers[0] & masks.and_mask) |
                                                (masks.or_mask & ~masks.and_mask));
  pending->second.request = modbus::pdu::WriteSingleRegister{masks.address, value};
  modbus::Transaction transaction;
  transaction.tag = write.id;
  transaction.request = pending->second.request;
  transaction.unit = static_cast<std::uint8_t>(bus_.devices[write.device].unit_id);
  active_ = write;
  handle(master_.command(std::move(transaction), now()));
  return true;
}

void ModbusBus::emit_poll(const scheduler::PollScheduler::Poll& poll,
                          const modbus::Result<modbus::pdu::Response>& result, Quality failure) {
  const config::Device& device = bus_.devices[poll.device];
  const modbus::PlannedRead& read = plans_[poll.device].reads[poll.request];
  const auto wall_time = std::chrono::system_clock::now();
  const auto steady_time = now();
  const auto boot_time = BootClock::now();
  for (const modbus::PointSlice& slice : read.points) {
    Reading reading{.device = &device,
                    .point = &device.points[slice.point],
                    .value = std::nullopt,
                    .quality = failure,
                    .wall_time = wall_time,
                    .steady_time = steady_time,
                    .boot_time = boot_time};
    if (result) {
      modbus::Result<Value> value = modbus::extract(*reading.point, slice, *result);
      if (value) {
        reading.value = std::move(*value);
      } else {
        reading.quality = {.kind = Quality::Kind::bad_value};
      }
    }
    sink_(reading);
  }
}

Quality ModbusBus::quality_of(const modbus::Error& error, std::size_t device) const {
  if (error.is_exception()) {
    return {.kind = Quality::Kind::exception, .exception_code = error.exception_code};
  }
  switch (error.code) {
    case Errc::timeout:
      // Answers that all failed the checksum are a wiring or baud problem, not silence.
      return {.kind = counters(device).crc_errors > crc_errors_before_ ? Quality::Kind::crc_error
                                                                       : Quality::Kind::timeout};
    case Errc::transport_reset:
      return {.kind = Quality::Kind::port_down};
    default:
      return {.kind = Quality::Kind::protocol_error};
  }
}

void ModbusBus::fail_pending_writes(const char* why) {
  for (auto& [id, pending] : std::exchange(writes_, {})) {
    pending.done(modbus::make_error(Errc::transport_reset, why));
  }
}

}  // namespace iotgw::drivers::modbus::io
