// PINGRESP (MQTT 3.1.1 section 3.13): the server's answer to PINGREQ. It has no variable header
// and no payload, so the remaining length is always 0.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::mqtt {

struct pingresp {
  friend bool operator==(const pingresp&, const pingresp&) = default;
};

constexpr packet_type type_of(const pingresp&) noexcept {
  return packet_type::pingresp;
}

// 3.13.1: the fixed-header flags (0000).
constexpr std::uint8_t fixed_flags(const pingresp&) noexcept {
  return 0x00;
}

// 3.13.1: the remaining length, always 0.
inline result<std::size_t> body_size(const pingresp&) {
  return std::size_t{0};
}

// 3.13.2: nothing to write.
inline void write_body(const pingresp&, writer&) noexcept {}

// 3.13.2: nothing to read; bytes left over are rejected by the caller.
inline result<pingresp> decode_pingresp(reader&) {
  return pingresp{};
}

}  // namespace iotgw::mqtt
