// Runs an io_context on the test's own thread until a condition holds: the
// one way the tests that drive Asio code wait for what they expect.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>

#include <boost/asio/io_context.hpp>

namespace iotgw::test {

// Runs `io` a handler at a time until `done` holds or `timeout` passes, and
// says whether `done` holds. A context that ran out of work is restarted, so
// that work added later (by a test step, another thread) still runs.
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  using Clock = std::chrono::steady_clock;
  // The longest wait for a handler before `done` is asked again: a condition
  // that no handler of `io` makes true is still seen promptly.
  constexpr Clock::duration slice = std::chrono::milliseconds(5);
  const Clock::time_point deadline = Clock::now() + timeout;
  while (!done()) {
    const Clock::time_point now = Clock::now();
    if (now >= deadline) {
      return false;
    }
    if (io.stopped()) {
      io.restart();
    }
    io.run_one_for(std::min(deadline - now, slice));
  }
  return true;
}

}  // namespace iotgw::test
