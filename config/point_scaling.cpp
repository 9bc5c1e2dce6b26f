#include "config/point_scaling.hpp"

#include <cmath>

namespace iotgw::config {

// A decimal scale such as 0.01 is not exact in binary, so 165 * 0.01 gives
// 1.6500000000000001 where the device meant 1.65. Dividing by 100 instead
// rounds once, to the double nearest 1.65, which prints as 1.65. Scales that
// are not the reciprocal of a whole number multiply.
double to_engineering(const Point& point, double raw) {
  const double divisor = std::round(1.0 / point.scale);
  if (divisor > 1.0 && 1.0 / divisor == point.scale) {
    return raw / divisor + point.offset;
  }
  return raw * point.scale + point.offset;
}

}  // namespace iotgw::config
