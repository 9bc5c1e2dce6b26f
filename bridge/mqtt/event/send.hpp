// Event: bytes the I/O layer must write to the transport, in order.
#pragma once

#include <cstdint>
#include <vector>

namespace iotgw::mqtt {

struct send {
  std::vector<std::uint8_t> bytes;

  friend bool operator==(const send&, const send&) = default;
};

}  // namespace iotgw::mqtt
