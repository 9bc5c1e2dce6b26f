// Human units in configuration values: durations ("250ms", "5s", "1h30m") and
// sizes ("256KiB", "1MB").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace iotgw::config {

// A sequence of number+unit parts (ms, s, m, h, d), e.g. "1h30m" or "0.5s"; a
// bare "0" is zero. Empty when the text is not such a duration or is not a whole
// number of milliseconds.
std::optional<Duration> parse_duration(std::string_view text);

// A number with an optional unit: B, KiB, MiB, GiB (powers of 1024) or kB, MB,
// GB (powers of 1000). Empty when malformed or too large for 64 bits.
std::optional<std::uint64_t> parse_size(std::string_view text);

// The shortest exact spelling of a duration in the units above ("1m30s", "250ms").
std::string format_duration(Duration duration);

// A size in the largest binary unit that divides it ("256MiB", "1000B").
std::string format_size(std::uint64_t bytes);

}  // namespace iotgw::config
