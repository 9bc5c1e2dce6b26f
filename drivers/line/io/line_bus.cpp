#include "drivers/line/io/line_bus.hpp"

#include <array>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
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
      framer_(bus.delimiter, bus.max_line),
      poll_timer_(executor),
      answer_timer_(executor) {
  std::vector<scheduler::PollScheduler::DeviceTiming> timings;
  for (std::size_t d = 0; d < bus.devices.size(); ++d) {
    parsers_.emplace_back(bus.devices[d]);
    if (!bus.devices[d].request.empty()) {
      polled_.push_back(d);
      timings.push_back({.interval = bus.devices[d].poll_interval, .requests = 1});
    }
  }
  if (!polled_.empty()) {
    scheduler_.emplace(std::move(timings), std::chrono::steady_clock::now());
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
  poll_timer_.cancel();
  answer_timer_.cancel();
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
      port_ready_ = true;
      dispatch();
      const bool received = co_await read_lines();
      port_ready_ = false;
      if (asking_) {
        // A lost port says nothing about the device: port_down covers its points.
        answer_timer_.cancel();
        finish_request(true);
      }
      if (received) {
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
  bool answered = false;
  for (std::size_t d = 0; d < parsers_.size(); ++d) {
    const bool polled = !bus_.devices[d].request.empty();
    if (polled && (!asking_ || asking_->device != d)) {
      continue;  // a polled device's lines are answers to its own request
    }
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
    answered = answered || polled;
  }
  if (!matched) {
    ++counters_.unmatched;
    spdlog::debug("bus {}: no device recognises the line \"{}\"", bus_.name, line);
  }
  if (answered) {
    answer_timer_.cancel();
    finish_request(true);
  }
}

void LineBus::dispatch() {
  if (!scheduler_ || !port_ready_ || asking_ || stopping_) {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  const std::optional<scheduler::PollScheduler::Job> job = scheduler_->next(now);
  if (!job) {
    if (const std::optional<scheduler::PollScheduler::TimePoint> wake = scheduler_->wake_at()) {
      poll_timer_.expires_at(*wake);
      poll_timer_.async_wait([this](boost::system::error_code cancelled) {
        if (!cancelled) {
          dispatch();
        }
      });
    }
    return;
  }
  const auto* poll = std::get_if<scheduler::PollScheduler::Poll>(&*job);
  if (poll == nullptr) {
    scheduler_->finished(*job, true, now);  // line devices take no writes
    dispatch();
    return;
  }
  asking_ = Asking{.device = polled_[poll->device], .job = *job};
  send_request();
}

void LineBus::send_request() {
  ++counters_.requests;
  const std::string& request = bus_.devices[asking_->device].request;
  // A failed write shows as a lost port in the read loop, or as no answer.
  asio::async_write(port_, asio::buffer(request), [](boost::system::error_code, std::size_t) {});
  answer_timer_.expires_after(bus_.timeout);
  answer_timer_.async_wait([this](boost::system::error_code cancelled) {
    if (!cancelled) {
      on_no_answer();
    }
  });
}

void LineBus::on_no_answer() {
  if (!asking_) {
    return;
  }
  if (asking_->attempt < bus_.retries) {
    ++asking_->attempt;
    send_request();
    return;
  }
  ++counters_.timeouts;
  const config::Device& device = bus_.devices[asking_->device];
  const auto wall_time = std::chrono::system_clock::now();
  const auto steady_time = std::chrono::steady_clock::now();
  const auto boot_time = BootClock::now();
  for (const config::Point& point : device.points) {
    sink_(Reading{.device = &device,
                  .point = &point,
                  .value = std::nullopt,
                  .quality = {.kind = Quality::Kind::timeout},
                  .wall_time = wall_time,
                  .steady_time = steady_time,
                  .boot_time = boot_time});
  }
  if (poll_end_) {
    poll_end_(device);
  }
  finish_request(false);
}

void LineBus::finish_request(bool answered) {
  if (!asking_) {
    return;
  }
  const scheduler::PollScheduler::Job job = asking_->job;
  asking_.reset();
  scheduler_->finished(job, answered, std::chrono::steady_clock::now());
  dispatch();
}

}  // namespace iotgw::drivers::line::io
