// DISCONNECT (3.1.1 section 3.14, 5.0 section 3.14): the last packet of a
// connection. In 3.1.1 only the client sends it and it is empty; in MQTT 5
// either side may, with a reason code and properties (reason_tail.hpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "bridge/mqtt/packet/properties.hpp"
#include "bridge/mqtt/packet/reason_code.hpp"
#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::bridge::mqtt::packet {

struct Disconnect {
  ReasonCode reason = ReasonCode::normal_disconnection;
  // MQTT 5: Session Expiry Interval, Reason String, Server Reference, User
  // Property.
  Properties properties{};

  friend bool operator==(const Disconnect&, const Disconnect&) = default;
};

constexpr PacketType type_of(const Disconnect&) noexcept {
  return PacketType::disconnect;
}

// 3.14.1: the fixed-header flags (0000).
constexpr std::uint8_t fixed_flags(const Disconnect&) noexcept {
  return 0x00;
}

// 0 in 3.1.1; in MQTT 5 the size of the shortest reason tail.
Result<std::size_t> body_size(const Disconnect& packet, Version version);

void write_body(const Disconnect& packet, Version version, Writer& out);

// 3.14.2: nothing in 3.1.1 (bytes left over are rejected by the caller);
// 5.0 3.14.2: whatever reason tail the packet holds.
Result<Disconnect> decode_disconnect(Reader& in);

}  // namespace iotgw::bridge::mqtt::packet
