// DISCONNECT (MQTT 3.1.1 section 3.14): the client's clean goodbye; the server discards the will.
// It has no variable header and no payload, so the remaining length is always 0.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::bridge::mqtt::packet {

struct Disconnect {
  friend bool operator==(const Disconnect&, const Disconnect&) = default;
};

constexpr PacketType type_of(const Disconnect&) noexcept {
  return PacketType::disconnect;
}

// 3.14.1: the fixed-header flags (0000).
constexpr std::uint8_t fixed_flags(const Disconnect&) noexcept {
  return 0x00;
}

// 3.14.1: the remaining length, always 0.
inline Result<std::size_t> body_size(const Disconnect&) {
  return std::size_t{0};
}

// 3.14.2: nothing to write.
inline void write_body(const Disconnect&, Writer&) noexcept {}

// 3.14.2: nothing to read; bytes left over are rejected by the caller.
inline Result<Disconnect> decode_disconnect(Reader&) {
  return Disconnect{};
}

}  // namespace iotgw::bridge::mqtt::packet
