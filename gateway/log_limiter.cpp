#include "gateway/log_limiter.hpp"

#include <iterator>
#include <utility>

#include <fmt/format.h>

namespace iotgw::gateway {

LogLimiter::Verdict LogLimiter::check(Clock::time_point now) {
  if (logged_in_window_ == 0 || now - window_start_ >= interval_) {
    window_start_ = now;
    logged_in_window_ = 0;
  }
  if (logged_in_window_ >= burst_) {
    ++held_back_;
    return {};
  }
  ++logged_in_window_;
  return {.log = true, .held_back = std::exchange(held_back_, 0)};
}

std::string held_back_note(std::uint64_t held_back) {
  return held_back == 0 ? std::string() : fmt::format(" ({} similar lines held back)", held_back);
}

std::string loggable(std::string_view text, std::size_t max_bytes) {
  std::string out;
  for (const char c : text.substr(0, max_bytes)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) {
      fmt::format_to(std::back_inserter(out), "\\x{:02X}", byte);
    } else {
      out += c;
    }
  }
  if (text.size() > max_bytes) {
    out += "…";
  }
  return out;
}

}  // namespace iotgw::gateway
