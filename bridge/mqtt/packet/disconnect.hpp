// DISCONNECT (MQTT 3.1.1 section 3.14): the client's clean goodbye; the server discards the will.
// It has no variable header and no payload, so the remaining length is always 0.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::mqtt {

struct disconnect {
  friend bool operator==(const disconnect&, const disconnect&) = default;
};

constexpr packet_type type_of(const disconnect&) noexcept {
  return packet_type::disconnect;
}

// 3.14.1: the fixed-header flags (0000).
constexpr std::uint8_t fixed_flags(const disconnect&) noexcept {
  return 0x00;
}

// 3.14.1: the remaining length, always 0.
inline result<std::size_t> body_size(const disconnect&) {
  return std::size_t{0};
}

// 3.14.2: nothing to write.
inline void write_body(const disconnect&, writer&) noexcept {}

// 3.14.2: nothing to read; bytes left over are rejected by the caller.
inline result<disconnect> decode_disconnect(reader&) {
  return disconnect{};
}

}  // namespace iotgw::mqtt
