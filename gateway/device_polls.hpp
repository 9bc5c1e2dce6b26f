// payload = "device_json": the readings of each device's poll in progress,
// held until the bus marks the end of the poll, so that they go out as one
// object. A point that comes again before its poll ended (a port lost mid-poll
// reports every point again) closes the held poll first, so that no object
// names a point twice.
#pragma once

#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "drivers/reading.hpp"

namespace iotgw::gateway {

class DevicePolls {
 public:
  using Poll = std::vector<drivers::Reading>;

  // Holds a reading; returns the device's earlier poll when the reading's
  // point was already in it (empty otherwise).
  Poll add(const drivers::Reading& reading);
  // The readings held for device, in order, and forgets them (empty if none).
  Poll end(const config::Device& device);
  // Every poll still held (when the gateway stops or reloads), and forgets them.
  std::vector<Poll> end_all();

 private:
  std::unordered_map<const config::Device*, Poll> held_;
};

}  // namespace iotgw::gateway
