// A Modbus bus on the io_context: the Asio layer around the sans-I/O master
// core. It owns the transport and the timers, polls each device's planned reads
// on the poll scheduler's rhythm, turns responses into Readings, runs writes
// from commands ahead of polls, and reopens the transport with backoff when it
// fails, reporting port_down meanwhile.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/config.hpp"
#include "drivers/modbus/io/transport.hpp"
#include "drivers/modbus/master.hpp"
#include "drivers/modbus/plan.hpp"
#include "drivers/reading.hpp"
#include "drivers/scheduler/poll_scheduler.hpp"

namespace iotgw::drivers::modbus::io {

class ModbusBus {
 public:
  using Sink = ReadingSink;
  // Called once per write: a value on success, else why it failed.
  using WriteDone = std::function<void(const modbus::Result<>&)>;

  // The bus must outlive this object; readings go to sink on the executor,
  // and poll_end (when set) follows the last reading of each device poll.
  ModbusBus(boost::asio::any_io_executor executor, const config::Bus& bus, Sink sink,
            PollEndSink poll_end = {});

  void start();
  // Closes the transport and ends the bus's work; pending handlers still run.
  // stopped (when set) runs on the executor once the bus's coroutines have
  // returned: from then on the object may be destroyed.
  void stop(std::function<void()> stopped = {});

  // Writes waiting for the bus, at most: further ones are refused (busy), so
  // that a flood of commands costs bounded memory.
  static constexpr std::size_t max_waiting_writes = 64;

  // Writes value to a point. Refused at once, with no traffic on the bus, when
  // the point is not writable, the value is out of range, the port is down or
  // max_waiting_writes wait already.
  void write(std::size_t device, std::size_t point, const Value& value, WriteDone done);
  // Sends a write request as it is, without a point's checks: for diagnostics
  // (iotgw modbus write), where a technician names registers directly.
  void write_request(std::size_t device, modbus::pdu::Request request, WriteDone done);
  // Polls a device as soon as the bus is free.
  void read_now(std::size_t device);

  bool connected() const { return open_; }
  modbus::DeviceCounters counters(std::size_t device) const;
  const scheduler::PollScheduler::DeviceStatus& status(std::size_t device) const;

 private:
  struct PendingWrite {
    std::size_t device;
    modbus::pdu::Request request;
    WriteDone done;
    // A bit written by read-modify-write: request reads the register, and
    // its answer is written back with these masks applied, at once, before
    // any other request of the bus.
    std::optional<modbus::pdu::MaskWriteRegister> then_write;
  };

  void queue_write(std::size_t device, modbus::pdu::Request request, WriteDone done,
                   std::optional<modbus::pdu::MaskWriteRegister> then_write);
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> read_until_failure();
  boost::asio::awaitable<void> write_queued();
  void handle(std::vector<modbus::Event> events);
  void dispatch();
  void arm_poll_timer();
  void arm_timer(modbus::event::TimerKind kind, std::chrono::microseconds after);
  void send(modbus::Bytes bytes);
  void completed(modbus::event::TransactionCompleted& completion);
  bool write_back(const scheduler::PollScheduler::Write& write,
                  const modbus::Result<modbus::pdu::Response>& result);
  void emit_poll(const scheduler::PollScheduler::Poll& poll,
                 const modbus::Result<modbus::pdu::Response>& result, Quality failure);
  Quality quality_of(const modbus::Error& error, std::size_t device) const;
  void fail_pending_writes(const char* why);
  void finish_if_idle();

  boost::asio::any_io_executor executor_;
  const config::Bus& bus_;
  Sink sink_;
  PollEndSink poll_end_;
  std::unique_ptr<Transport> transport_;
  modbus::Master master_;
  std::vector<modbus::ReadPlan> plans_;  // one per device, before the scheduler that counts them
  scheduler::PollScheduler scheduler_;
  std::array<boost::asio::steady_timer, 3> core_timers_;  // by modbus::event::TimerKind
  boost::asio::steady_timer silence_timer_;
  boost::asio::steady_timer poll_timer_;
  boost::asio::steady_timer retry_timer_;
  std::optional<scheduler::PollScheduler::Job> active_;
  std::uint64_t crc_errors_before_ =
      0;  // of the active job's device, to tell CRC errors from silence
  std::map<std::uint64_t, PendingWrite> writes_;
  std::uint64_t next_write_id_ = 1;
  std::deque<modbus::Bytes> outgoing_;
  bool writing_ = false;
  bool open_ = false;
  bool answered_since_open_ = false;  // a device answered on the current connection
  bool stopping_ = false;
  bool running_ = false;  // run() has not returned
  std::function<void()> stopped_;
};

}  // namespace iotgw::drivers::modbus::io
