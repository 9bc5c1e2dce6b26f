// A line-sensor bus on the io_context: opens the serial port, frames what
// arrives into lines, parses them into Readings for each device, and reopens the
// port with backoff when it disappears, reporting port_down meanwhile.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/config.hpp"
#include "drivers/line/line_framer.hpp"
#include "drivers/line/line_parser.hpp"
#include "drivers/reading.hpp"

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

  const config::Bus& bus_;
  Sink sink_;
  PollEndSink poll_end_;
  boost::asio::posix::stream_descriptor port_;
  boost::asio::steady_timer retry_timer_;
  LineFramer framer_;
  std::vector<LineParser> parsers_;
  Counters counters_;
  bool stopping_ = false;
  bool running_ = false;  // run() has not returned
  std::function<void()> stopped_;
};

}  // namespace iotgw::drivers::line::io
