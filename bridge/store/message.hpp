// One message on its way upstream, as the store keeps it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace iotgw::bridge::store {

// Position in the queue: assigned at append, strictly increasing for the life
// of the database file (never reused, also not after the queue ran empty).
using Seq = std::uint64_t;

// How the wall clock stood when a message's reading was taken.
enum class WallClock : std::uint8_t {
  synchronised = 0,    // the kernel called it synchronised (or the message is no reading)
  held = 1,            // not synchronised: the message waits in the store for a true stamp
  unsynchronised = 2,  // not synchronised, and sent with the stamp it had, marked so
  corrected = 3,       // held, then stamped anew from the boot clock once the clock was right
};

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
