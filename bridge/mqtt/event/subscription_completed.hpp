// Events: the broker answered a SUBSCRIBE (with one code per filter, where
// suback_code::failure is a refusal) or an UNSUBSCRIBE.
#pragma once

#include <cstdint>
#include <vector>

#include "bridge/mqtt/packet/suback.hpp"

namespace iotgw::bridge::mqtt::event {

struct SubscribeCompleted {
  std::uint64_t tag;
  std::vector<packet::SubackCode> codes;

  friend bool operator==(const SubscribeCompleted&, const SubscribeCompleted&) = default;
};

struct UnsubscribeCompleted {
  std::uint64_t tag;

  friend bool operator==(const UnsubscribeCompleted&, const UnsubscribeCompleted&) = default;
};

}  // namespace iotgw::bridge::mqtt::event
