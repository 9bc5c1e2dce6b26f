// AUTH (5.0 section 3.15): extended authentication, MQTT 5 only. Either side
// sends it during an exchange named by the Authentication Method that CONNECT
// opened; it is a reason tail (reason_tail.hpp) and nothing else.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bridge/mqtt/packet/properties.hpp"
#include "bridge/mqtt/packet/reason_code.hpp"
#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::bridge::mqtt::packet {

struct Auth {
  ReasonCode reason = ReasonCode::success;
  // Authentication Method, Authentication Data, Reason String, User Property.
  Properties properties{};

  friend bool operator==(const Auth&, const Auth&) = default;
};

constexpr PacketType type_of(const Auth&) noexcept {
  return PacketType::auth;
}

// 5.0 3.15.1: the fixed-header flags (0000).
constexpr std::uint8_t fixed_flags(const Auth&) noexcept {
  return 0x00;
}

// 5.0 3.15.2: the size of the shortest reason tail; an error in 3.1.1, and
// in any AUTH but the empty Success without an Authentication Method
// (5.0 3.15.2.2.2).
Result<std::size_t> body_size(const Auth& packet, Version version);

void write_body(const Auth& packet, Version version, Writer& out);

// 5.0 3.15.2: the reason tail, which names its Authentication Method unless
// the packet is empty (5.0 3.15.2.2.2); decode_body() refuses AUTH in 3.1.1
// before this is called.
Result<Auth> decode_auth(Reader& in);

}  // namespace iotgw::bridge::mqtt::packet
