#include "bridge/mqtt/backoff.hpp"

namespace iotgw::bridge::mqtt {

Backoff::Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max, std::uint64_t seed)
    : min_(std::max(min, std::chrono::milliseconds{1})),
      max_(std::max(max, min_)),
      ceiling_(first_ceiling()),
      random_(seed) {}

std::chrono::milliseconds Backoff::next() {
  std::uniform_int_distribution<std::chrono::milliseconds::rep> pick(min_.count(),
                                                                     ceiling_.count());
  const std::chrono::milliseconds pause{pick(random_)};
  ceiling_ = std::min(ceiling_ * 2, max_);
  return pause;
}

}  // namespace iotgw::bridge::mqtt
