// Keeps log lines that a peer can cause (one per command, per refusal, per
// failed write) from filling an SD card: a burst of lines passes in each
// interval, the rest are held back and counted, and the next line that passes
// says how many were held back. Sans-I/O: time comes in.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace iotgw::gateway {

class LogLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // At most `burst` lines per `interval`.
  LogLimiter(std::size_t burst, Clock::duration interval) : burst_(burst), interval_(interval) {}

  struct Verdict {
    bool log = false;
    std::uint64_t held_back = 0;  // with log: lines held back since the last one logged
  };
  Verdict check(Clock::time_point now);

 private:
  std::size_t burst_;
  Clock::duration interval_;
  Clock::time_point window_start_{};
  std::size_t logged_in_window_ = 0;
  std::uint64_t held_back_ = 0;
};

// "" or " (N similar lines held back)", to end the line that was let through.
std::string held_back_note(std::uint64_t held_back);

// Text a peer chose (a topic, a name it sent), fit for one log line: control
// characters as \xNN, so that it cannot start a line of its own, and no more
// than max_bytes of it.
std::string loggable(std::string_view text, std::size_t max_bytes = 200);

}  // namespace iotgw::gateway
