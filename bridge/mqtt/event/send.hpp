// Event: bytes the I/O layer must write to the transport, in order.
#pragma once

#include <cstdint>
#include <vector>

namespace iotgw::bridge::mqtt::event {

struct Send {
  std::vector<std::uint8_t> bytes;

  friend bool operator==(const Send&, const Send&) = default;
};

}  // namespace iotgw::bridge::mqtt::event
