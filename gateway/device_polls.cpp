#include "gateway/device_polls.hpp"

#include <algorithm>
#include <utility>

namespace iotgw::gateway {

DevicePolls::Poll DevicePolls::add(const drivers::Reading& reading) {
  Poll& held = held_[reading.device];
  Poll ended;
  if (std::any_of(held.begin(), held.end(),
                  [&](const drivers::Reading& r) { return r.point == reading.point; })) {
    ended = std::exchange(held, {});
  }
  held.push_back(reading);
  return ended;
}

DevicePolls::Poll DevicePolls::end(const config::Device& device) {
  const auto found = held_.find(&device);
  if (found == held_.end()) {
    return {};
  }
  Poll ended = std::move(found->second);
  held_.erase(found);
  return ended;
}

std::vector<DevicePolls::Poll> DevicePolls::end_all() {
  std::vector<Poll> ended;
  for (auto& [device, held] : held_) {
    if (!held.empty()) {
      ended.push_back(std::move(held));
    }
  }
  held_.clear();
  return ended;
}

}  // namespace iotgw::gateway
