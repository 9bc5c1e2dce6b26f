// Splits a byte stream from a line sensor into lines (sans-I/O): bytes in,
// complete lines out. Memory stays bounded by max_line whatever the line sends.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace iotgw::drivers::line {

class LineFramer {
 public:
  LineFramer(std::string delimiter, std::size_t max_line);

  // Appends received bytes and returns the lines they complete, without their
  // delimiter. A line longer than max_line is dropped whole and counted.
  std::vector<std::string> feed(std::string_view bytes);

  // Forgets a partial line, e.g. after the port was reopened.
  void reset();

  std::uint64_t dropped_overlong() const { return dropped_overlong_; }

 private:
  std::string delimiter_;
  std::size_t max_line_;
  std::string partial_;
  bool discarding_ = false;  // inside an overlong line, until its delimiter
  std::uint64_t dropped_overlong_ = 0;
};

}  // namespace iotgw::drivers::line
