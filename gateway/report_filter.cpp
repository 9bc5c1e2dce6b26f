#include "gateway/report_filter.hpp"

#include <cmath>

namespace iotgw::gateway {
namespace {

// The value as a number, for the deadband; empty for strings.
std::optional<double> numeric(const drivers::Value& value) {
  return std::visit(
      [](const auto& v) -> std::optional<double> {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return std::nullopt;
        } else {
          return static_cast<double>(v);
        }
      },
      value);
}

// Whether the value moved enough: beyond the deadband for numbers, any change otherwise.
bool moved(const drivers::Value& before, const drivers::Value& now, double deadband) {
  const std::optional<double> a = numeric(before);
  const std::optional<double> b = numeric(now);
  if (a && b && deadband > 0) {
    return std::fabs(*b - *a) > deadband;
  }
  return before != now;
}

}  // namespace

bool ReportFilter::should_publish(const drivers::Reading& reading) {
  const config::Point& point = *reading.point;
  if (point.deadband == 0 && point.heartbeat == config::Duration::zero()) {
    return true;
  }
  const auto found = last_.find(&point);
  bool publish = found == last_.end();
  if (!publish) {
    const Last& last = found->second;
    publish = last.quality != reading.quality ||
              last.value.has_value() != reading.value.has_value() ||
              (reading.value && last.value && moved(*last.value, *reading.value, point.deadband)) ||
              (point.heartbeat > config::Duration::zero() &&
               reading.steady_time - last.at >= point.heartbeat);
  }
  if (publish) {
    last_[&point] = Last{reading.value, reading.quality, reading.steady_time};
  }
  return publish;
}

}  // namespace iotgw::gateway
