// Report by exception: decides per point whether a reading is worth publishing.
//  - deadband 0 and heartbeat 0: every reading is published;
//  - otherwise a reading is published when it is the first, when its quality
//    changed, when its value moved more than the deadband (any change with a
//    deadband of 0) from the last published one, or when heartbeat has passed
//    since the last publication.
#pragma once

#include <chrono>
#include <optional>
#include <unordered_map>

#include "config/config.hpp"
#include "drivers/reading.hpp"

namespace iotgw::gateway {

class ReportFilter {
 public:
  // Remembers the last published reading of reading.point when the answer is yes.
  bool should_publish(const drivers::Reading& reading);

 private:
  struct Last {
    std::optional<drivers::Value> value;
    drivers::Quality quality;
    std::chrono::steady_clock::time_point at;
  };
  std::unordered_map<const config::Point*, Last> last_;
};

}  // namespace iotgw::gateway
