#include "config/config.hpp"

namespace iotgw::config {

int register_count(const Point& point) {
  switch (point.type) {
    case ValueType::boolean:
    case ValueType::int16:
    case ValueType::uint16:
      return 1;
    case ValueType::int32:
    case ValueType::uint32:
    case ValueType::float32:
      return 2;
    case ValueType::int64:
    case ValueType::uint64:
    case ValueType::float64:
      return 4;
    case ValueType::string:
      return (point.length + 1) / 2;
  }
  return 1;
}

}  // namespace iotgw::config
