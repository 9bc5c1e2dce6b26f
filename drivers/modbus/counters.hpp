// Per-device (unit id) counters kept by the master, reported in the metrics topic.
#pragma once

#include <cstdint>

namespace iotgw::drivers::modbus {

struct DeviceCounters {
  std::uint64_t requests = 0;           // frames sent, retries included
  std::uint64_t responses = 0;          // response frames received, exceptions included
  std::uint64_t timeouts = 0;           // attempts that got no response in time
  std::uint64_t crc_errors = 0;         // RTU frames for this device with a bad CRC
  std::uint64_t exceptions = 0;         // exception responses
  std::uint64_t protocol_errors = 0;    // responses that did not answer the request
  std::uint64_t unexpected_frames = 0;  // frames for another unit or transaction
  std::uint64_t discarded_bytes = 0;    // bytes received that were not part of a response

  bool operator==(const DeviceCounters&) const = default;
};

}  // namespace iotgw::drivers::modbus
