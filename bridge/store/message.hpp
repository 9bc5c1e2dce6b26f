// One message on its way upstream, as the store keeps it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "bridge/store/wall_clock.hpp"

namespace iotgw::bridge::store {

// Position in the queue: assigned at append, strictly increasing for the life
// of the database file (never reused, also not after the queue ran empty).
using Seq = std::uint64_t;

struct Message {
  std::string topic;
  std::vector<std::uint8_t> payload;
  std::uint8_t qos = 1;
  bool retain = false;
  std::chrono::system_clock::time_point enqueued{};
  // Taken while the uplink was down: part of a backlog (store.delivery).
  bool backfill = false;
  Seq seq = 0;  // 0 until the store assigned one
  WallClock clock = WallClock::synchronised;
  // CLOCK_BOOTTIME when the reading was taken, in the boot the store was opened in.
  std::chrono::nanoseconds boot_time{0};

  // The bytes this message counts against store.max_bytes.
  std::uint64_t size() const { return topic.size() + payload.size(); }
};

}  // namespace iotgw::bridge::store
