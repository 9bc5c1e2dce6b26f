#include "gateway/reload_rules.hpp"

namespace iotgw::gateway {

Result<> reload_allowed(const config::Config& running, const config::Config& next) {
  if (running.store.path != next.store.path) {
    return Error{Errc::store_moves,
                 "the store cannot move on a reload (from " + running.store.path.string() + " to " +
                     next.store.path.string() +
                     "): the readings it holds would stay behind; restart the service to move it"};
  }
  return {};
}

bool status_moves(const config::Config& running, const config::Config& next) {
  const config::Mqtt& a = running.mqtt;
  const config::Mqtt& b = next.mqtt;
  return a.brokers != b.brokers || a.will.topic != b.will.topic;
}

}  // namespace iotgw::gateway
