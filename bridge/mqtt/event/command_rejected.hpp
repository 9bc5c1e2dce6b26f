// Event: a command the core could not carry out (window full, invalid topic,
// not connected, or a SUBSCRIBE cut off by a lost connection).
#pragma once

#include <cstdint>

#include "bridge/mqtt/error.hpp"

namespace iotgw::bridge::mqtt::event {

struct CommandRejected {
  std::uint64_t tag;
  Error why;

  friend bool operator==(const CommandRejected&, const CommandRejected&) = default;
};

}  // namespace iotgw::bridge::mqtt::event
