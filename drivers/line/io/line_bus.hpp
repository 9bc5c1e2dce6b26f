// A line-sensor bus on the io_context: opens the serial port, frames what
// arrives into lines, parses them into Readings for each device, and reopens the
// port with backoff when it disappears, reporting port_down meanwhile.
//
// Devices with a request are polled: every poll_interval the bus sends the
// request and waits up to the bus's timeout for a line the device's pattern
// (or keys) recognise, asking again `retries` times; one request at a time on
// the line, so that several instruments share one RS-485 pair. A device that
// never answers gets timeout readings and is backed off like a dead Modbus
// slave (PollScheduler). While its request is out, only it takes the lines it
// recognises; listening devices take theirs at any time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/config.hpp"
#include "drivers/line/line_framer.hpp"
#include "drivers/line/line_parser.hpp"
#include "drivers/reading.hpp"
#include "drivers/scheduler/poll_scheduler.hpp"

namespace iotgw::drivers::line::io {

class LineBus {
 public:
  using Sink = ReadingSink;

  struct Counters {
    std::uint64_t lines = 0;       // complete lines received
    std::uint64_t unmatched = 0;   // lines no device recognised
    std::uint64_t bad_values = 0;  // point texts that did not convert to the point's type
    std::uint64_t dropped_overlong = 0;
    std::uint64_t port_failures = 0;  // failed opens and lost ports
    std::uint64_t requests = 0;       // requests sent to polled devices, retries included
    std::uint64_t timeouts = 0;       // polls that got no answer after every retry
  };

  // The bus must outlive this object; readings go to sink on the executor,
  // and poll_end (when set) follows the readings each line gave a device.
  LineBus(boost::asio::any_io_executor executor, const config::Bus& bus, Sink sink,
          PollEndSink poll_end = {});

  void start();
  // Closes the port and ends the read loop; pending handlers still run.
  // stopped (when set) runs on the executor once the read loop has returned:
  // from then on the object may be destroyed.
  void stop(std::function<void()> stopped = {});

  Counters counters() const;
  bool port_open() const { return port_.is_open(); }

 private:
  boost::asio::awaitable<void> run();
  // Reads until the port fails or stop(); true when some data arrived.
  boost::asio::awaitable<bool> read_lines();
  void handle_line(const std::string& line);
  // Sends the next request due, when the line is free.
  void dispatch();
  void send_request();
  void on_no_answer();
  // The request out ended (answered or not); the next one may go.
  void finish_request(bool answered);

  struct Asking {
    std::size_t device;
    scheduler::PollScheduler::Job job;
    int attempt = 0;
  };

  const config::Bus& bus_;
  Sink sink_;
  PollEndSink poll_end_;
  boost::asio::posix::stream_descriptor port_;
  boost::asio::steady_timer retry_timer_;
  LineFramer framer_;
  std::vector<LineParser> parsers_;
  std::vector<std::size_t> polled_;  // the scheduler's devices: indexes into bus.devices
  std::optional<scheduler::PollScheduler> scheduler_;
  std::optional<Asking> asking_;
  boost::asio::steady_timer poll_timer_;    // until the next poll is due
  boost::asio::steady_timer answer_timer_;  // until the answer is late
  bool port_ready_ = false;
  Counters counters_;
  bool stopping_ = false;
  bool running_ = false;  // run() has not returned
  std::function<void()> stopped_;
};

}  // namespace iotgw::drivers::line::io
