// PINGREQ (MQTT 3.1.1 section 3.12): the client's keepalive probe. It has no variable header
// and no payload, so the remaining length is always 0.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::mqtt {

struct pingreq {
  friend bool operator==(const pingreq&, const pingreq&) = default;
};

constexpr packet_type type_of(const pingreq&) noexcept {
  return packet_type::pingreq;
}

// 3.12.1: the fixed-header flags (0000).
constexpr std::uint8_t fixed_flags(const pingreq&) noexcept {
  return 0x00;
}

// 3.12.1: the remaining length, always 0.
inline result<std::size_t> body_size(const pingreq&) {
  return std::size_t{0};
}

// 3.12.2: nothing to write.
inline void write_body(const pingreq&, writer&) noexcept {}

// 3.12.2: nothing to read; bytes left over are rejected by the caller.
inline result<pingreq> decode_pingreq(reader&) {
  return pingreq{};
}

}  // namespace iotgw::mqtt
