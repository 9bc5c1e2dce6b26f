// SUBACK (MQTT 3.1.1 section 3.9): the server's answer to SUBSCRIBE, one
// return code per requested filter, in order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::bridge::mqtt::packet {

// 3.9.3: the granted QoS, or failure. A failure is an answer, not an error.
enum class SubackCode : std::uint8_t {
  granted_qos0 = 0x00,
  granted_qos1 = 0x01,
  granted_qos2 = 0x02,
  failure = 0x80,
};

struct Suback {
  std::uint16_t packet_id = 0;
  std::vector<SubackCode> codes;  // at least one

  friend bool operator==(const Suback&, const Suback&) = default;
};

constexpr PacketType type_of(const Suback&) noexcept {
  return PacketType::suback;
}

// 3.9.1: the fixed-header flags (0000).
constexpr std::uint8_t fixed_flags(const Suback&) noexcept {
  return 0x00;
}

// 3.9.2, 3.9.3: the remaining length, after checking the packet id and that
// each code is one of 0x00, 0x01, 0x02, 0x80.
Result<std::size_t> body_size(const Suback& packet);

// 3.9.2, 3.9.3: writes the packet id and the return codes.
void write_body(const Suback& packet, Writer& out);

// 3.9.2, 3.9.3: reads the packet id and one or more return codes; any code
// other than 0x00, 0x01, 0x02 or 0x80 is rejected.
Result<Suback> decode_suback(Reader& in);

}  // namespace iotgw::bridge::mqtt::packet
