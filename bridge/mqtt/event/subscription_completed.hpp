// Events: the broker answered a SUBSCRIBE (with one code per filter, where
// suback_code::failure is a refusal) or an UNSUBSCRIBE.
#pragma once

#include <cstdint>
#include <vector>

#include "bridge/mqtt/packet/suback.hpp"

namespace iotgw::mqtt {

struct subscribe_completed {
  std::uint64_t tag;
  std::vector<suback_code> codes;

  friend bool operator==(const subscribe_completed&, const subscribe_completed&) = default;
};

struct unsubscribe_completed {
  std::uint64_t tag;

  friend bool operator==(const unsubscribe_completed&, const unsubscribe_completed&) = default;
};

}  // namespace iotgw::mqtt
