#include "drivers/line/io/line_bus.hpp"

#include <array>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "drivers/reopen_backoff.hpp"
#include "drivers/serial/serial_open.hpp"

namespace iotgw::drivers::line::io {
namespace asio = boost::asio;

LineBus::LineBus(asio::any_io_executor executor, const config::Bus& bus, Sink sink,
                 PollEndSink poll_end)
    : bus_(bus),
      sink_(std::move(sink)),
      poll_end_(std::move(poll_end)),
      port_(executor),
      retry_timer_(executor),
      framer_(bus.delimiter, bus.max_line) {
  for (const config::Device& device : bus.devices) {
    parsers_.emplace_back(device);
  }
}

void LineBus::start() {
  running_ = true;
  asio::co_spawn(port_.get_executor(), run(), [this](const std::exception_ptr&) {
    running_ = false;
    if (stopped_) {
      std::exchange(stopped_, {})();
    }
  });
}

void LineBus::stop(std::function<void()> stopped) {
  stopping_ = true;
  retry_timer_.cancel();
  boost::system::error_code ignored;
  port_.close(ignored);
  if (!running_ && stopped) {
    asio::post(port_.get_executor(), std::move(stopped));
  } else {
    stopped_ = std::move(stopped);
  }
}

LineBus::Counters LineBus::counters() const {
  Counters counters = counters_;
  counters.dropped_overlong = framer_.dropped_overlong();
  return counters;
}

asio::awaitable<void> LineBus::run() {
  ReopenBackoff backoff;
  bool reported_down = false;
  while (!stopping_) {
    const serial::Result<serial::OpenedPort> opened = serial::open_serial(bus_);
    if (opened) {
      spdlog::info("bus {}: reading lines from {}", bus_.name, opened->path);
      port_.assign(opened->fd);
      framer_.reset();
      reported_down = false;
      if (co_await read_lines()) {
        backoff.reset();
      }
      if (stopping_) {
        break;
      }
    } else if (!reported_down) {
      spdlog::warn("bus {}: {}; retrying", bus_.name, opened.error().detail);
    }
    ++counters_.port_failures;
    if (!reported_down) {
      report_port_down(bus_, sink_, poll_end_);
      reported_down = true;
    }
    retry_timer_.expires_after(backoff.next());
    boost::system::error_code error;
    co_await retry_timer_.async_wait(asio::redirect_error(asio::use_awaitable, error));
  }
}

asio::awaitable<bool> LineBus::read_lines() {
  std::array<char, 4096> buffer;
  bool received = false;
  for (;;) {
    boost::system::error_code error;
    const std::size_t size = co_await port_.async_read_some(
        asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, error));
    if (error) {
      if (!stopping_) {
        spdlog::warn("bus {}: port {} lost: {}", bus_.name, bus_.port, error.message());
        boost::system::error_code ignored;
        port_.close(ignored);
      }
      co_return received;
    }
    received = true;
    for (const std::string& line : framer_.feed(std::string_view(buffer.data(), size))) {
      handle_line(line);
    }
  }
}

void LineBus::handle_line(const std::string& line) {
  ++counters_.lines;
  const auto wall_time = std::chrono::system_clock::now();
  const auto steady_time = std::chrono::steady_clock::now();
  const auto boot_time = BootClock::now();
  bool matched = false;
  for (std::size_t d = 0; d < parsers_.size(); ++d) {
    const ParsedLine parsed = parsers_[d].parse(line);
    if (!parsed.matched) {
      continue;
    }
    matched = true;
    counters_.bad_values += static_cast<std::uint64_t>(parsed.bad_values);
    const config::Device& device = bus_.devices[d];
    for (std::size_t p = 0; p < device.points.size(); ++p) {
      const std::optional<Value>& value = parsed.values[p];
      if (!value) {
        continue;
      }
      sink_(Reading{.device = &device,
                    .point = &device.points[p],
                    .value = value,
                    .quality = {},
                    .wall_time = wall_time,
                    .steady_time = steady_time,
                    .boot_time = boot_time});
    }
    if (poll_end_) {
      poll_end_(device);
    }
  }
  if (!matched) {
    ++counters_.unmatched;
    spdlog::debug("bus {}: no device recognises the line \"{}\"", bus_.name, line);
  }
}

}  // namespace iotgw::drivers::line::io
