// The store as `iotgw run` leaves it after an outage: the readings its devices
// produced while the broker was away, turned into telemetry messages by the
// gateway's own Telemetry (topic and payload as configured) and appended
// through the store's SQL core in commit_batch transactions, as the store
// thread would have committed them.
#pragma once

#include <cstdint>

#include "config/config.hpp"

namespace iotgw::bench {

struct Backlog {
  std::uint64_t messages = 0;
  std::uint64_t topic_bytes = 0;
  std::uint64_t payload_bytes = 0;
  std::uint64_t file_bytes = 0;  // the database file and its WAL afterwards
};

// Appends `readings` readings of config's devices, poll after poll (each
// point of a device once per poll_interval, ending now), to the store the
// configuration names. Throws if the store does not accept them all.
Backlog fill_outage_backlog(const config::Config& config, std::uint64_t readings);

}  // namespace iotgw::bench
