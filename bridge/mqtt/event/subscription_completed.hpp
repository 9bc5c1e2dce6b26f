// Events: the broker answered a SUBSCRIBE (with one code per filter, where
// a failure code (is_failure) is a refusal) or an UNSUBSCRIBE.
#pragma once

#include <cstdint>
#include <vector>

#include "bridge/mqtt/packet/reason_code.hpp"

namespace iotgw::bridge::mqtt::event {

struct SubscribeCompleted {
  std::uint64_t tag;
  std::vector<packet::ReasonCode> reasons;

  friend bool operator==(const SubscribeCompleted&, const SubscribeCompleted&) = default;
};

struct UnsubscribeCompleted {
  std::uint64_t tag;

  friend bool operator==(const UnsubscribeCompleted&, const UnsubscribeCompleted&) = default;
};

}  // namespace iotgw::bridge::mqtt::event
