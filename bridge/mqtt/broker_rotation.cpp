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

bool BrokerRotation::connected() noexcept {
  failures_ = 0;
  const bool moved = last_connected_ && *last_connected_ != current_;
  failovers_ += moved ? 1 : 0;
  last_connected_ = current_;
  return moved;
}

void BrokerRotation::return_to_first() noexcept {
  current_ = 0;
  failures_ = 0;
}

}  // namespace iotgw::bridge::mqtt
