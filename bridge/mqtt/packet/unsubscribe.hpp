// UNSUBSCRIBE (MQTT 3.1.1 section 3.10): the client drops topic filters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::mqtt {

struct unsubscribe {
  std::uint16_t packet_id = 0;
  std::vector<std::string> filters;  // at least one

  friend bool operator==(const unsubscribe&, const unsubscribe&) = default;
};

constexpr packet_type type_of(const unsubscribe&) noexcept {
  return packet_type::unsubscribe;
}

// 3.10.1: the fixed-header flags (0010).
constexpr std::uint8_t fixed_flags(const unsubscribe&) noexcept {
  return 0x02;
}

// 3.10.2, 3.10.3: the remaining length, after checking the packet id, that
// there is at least one filter and that each is a valid filter (4.7).
result<std::size_t> body_size(const unsubscribe& packet);

// 3.10.2, 3.10.3: writes the packet id and the filters.
void write_body(const unsubscribe& packet, writer& out);

// 3.10.2, 3.10.3: reads the packet id and one or more topic filters.
result<unsubscribe> decode_unsubscribe(reader& in);

}  // namespace iotgw::mqtt
