// PINGREQ (3.1.1 section 3.12, the same in 5.0): the client's keepalive probe. It has no variable
// header and no payload, so the remaining length is always 0.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::bridge::mqtt::packet {

struct Pingreq {
  friend bool operator==(const Pingreq&, const Pingreq&) = default;
};

constexpr PacketType type_of(const Pingreq&) noexcept {
  return PacketType::pingreq;
}

// 3.12.1: the fixed-header flags (0000).
constexpr std::uint8_t fixed_flags(const Pingreq&) noexcept {
  return 0x00;
}

// 3.12.1: the remaining length, always 0.
inline Result<std::size_t> body_size(const Pingreq&, Version) {
  return std::size_t{0};
}

// 3.12.2: nothing to write.
inline void write_body(const Pingreq&, Version, Writer&) noexcept {}

// 3.12.2: nothing to read; bytes left over are rejected by the caller.
inline Result<Pingreq> decode_pingreq(Reader&) {
  return Pingreq{};
}

}  // namespace iotgw::bridge::mqtt::packet
