// Event: a command the core could not carry out (window full, invalid topic,
// not connected, or a SUBSCRIBE cut off by a lost connection).
#pragma once

#include <cstdint>

#include "bridge/mqtt/error.hpp"

namespace iotgw::mqtt {

struct command_rejected {
  std::uint64_t tag;
  error why;

  friend bool operator==(const command_rejected&, const command_rejected&) = default;
};

}  // namespace iotgw::mqtt
