// PINGRESP (3.1.1 section 3.13, the same in 5.0): the server's answer to PINGREQ. It has no
// variable header and no payload, so the remaining length is always 0.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::bridge::mqtt::packet {

struct Pingresp {
  friend bool operator==(const Pingresp&, const Pingresp&) = default;
};

constexpr PacketType type_of(const Pingresp&) noexcept {
  return PacketType::pingresp;
}

// 3.13.1: the fixed-header flags (0000).
constexpr std::uint8_t fixed_flags(const Pingresp&) noexcept {
  return 0x00;
}

// 3.13.1: the remaining length, always 0.
inline Result<std::size_t> body_size(const Pingresp&, Version) {
  return std::size_t{0};
}

// 3.13.2: nothing to write.
inline void write_body(const Pingresp&, Version, Writer&) noexcept {}

// 3.13.2: nothing to read; bytes left over are rejected by the caller.
inline Result<Pingresp> decode_pingresp(Reader&) {
  return Pingresp{};
}

}  // namespace iotgw::bridge::mqtt::packet
