// A point's declared linear transform (scale, then offset) from the raw number
// a device sends to the engineering value that is published. Shared by the
// Modbus value codec and the line parser so both give the same number.
#pragma once

#include "config/config.hpp"

namespace iotgw::config {

// raw * scale + offset, rounded as the decimal the scale stands for.
double to_engineering(const Point& point, double raw);

}  // namespace iotgw::config
