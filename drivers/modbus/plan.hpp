// Register planning: the points of a device are read with the fewest requests
// per register kind, merging points that are adjacent or within the device's
// max_gap, up to the protocol's (and the device's) limit per request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "config/config.hpp"
#include "drivers/modbus/error.hpp"
#include "drivers/modbus/pdu/request.hpp"
#include "drivers/modbus/value.hpp"

namespace iotgw::drivers::modbus {

// Where one point's data sits in a planned read's response.
struct PointSlice {
  std::size_t point = 0;     // index into Device::points
  std::uint16_t offset = 0;  // registers (or bits) from the read's start address
  std::uint16_t count = 0;   // registers (or bits) it occupies
  bool operator==(const PointSlice&) const = default;
};

struct PlannedRead {
  config::RegisterKind kind = config::RegisterKind::holding;
  std::uint16_t address = 0;
  std::uint16_t quantity = 0;
  std::vector<PointSlice> points;

  // The read request (function 1, 2, 3 or 4 by kind).
  pdu::Request request() const;
};

struct RejectedPoint {
  std::size_t point = 0;
  Error error;
};

struct ReadPlan {
  std::vector<PlannedRead> reads;       // by kind (holding, input, coil, discrete), then address
  std::vector<RejectedPoint> rejected;  // points no single request can read
};

// Plans reads for all points of a device (one device has one poll interval).
ReadPlan plan_reads(const config::Device& device);
// Plans reads for the listed points only (e.g. "read now" of a few points).
ReadPlan plan_reads(const config::Device& device, std::span<const std::size_t> points);

// Registers per request for this device: min(125, max_registers), at least 1.
std::uint16_t register_limit(const config::Device& device);

// A point's value from the response to the read that holds its slice.
Result<Value> extract(const config::Point& point, const PointSlice& slice,
                      const pdu::Response& response);

}  // namespace iotgw::drivers::modbus
