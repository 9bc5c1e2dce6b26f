#include "bridge/mqtt/broker_rotation.hpp"

namespace iotgw::bridge::mqtt {

bool BrokerRotation::failed() noexcept {
  current_ = (current_ + 1) % brokers_;
  if (++failures_ < brokers_) {
    return false;
  }
  failures_ = 0;
  return true;
}

void BrokerRotation::connected() noexcept {
  failures_ = 0;
  if (last_connected_ && *last_connected_ != current_) {
    ++failovers_;
  }
  last_connected_ = current_;
}

void BrokerRotation::return_to_first() noexcept {
  current_ = 0;
  failures_ = 0;
}

}  // namespace iotgw::bridge::mqtt
