// Event: the counters of one device changed during this call.
#pragma once

#include <cstdint>
#include <optional>

#include "drivers/modbus/counters.hpp"

namespace iotgw::drivers::modbus::event {

struct CountersChanged {
  std::optional<std::uint8_t> unit;  // empty: bytes that arrived with no request pending
  DeviceCounters counters;           // the totals after the change
};

}  // namespace iotgw::drivers::modbus::event
