// SUBACK (3.1.1 section 3.9, 5.0 section 3.9): the server's answer to
// SUBSCRIBE, one code per requested filter, in order. The 3.1.1 codes (the
// granted QoS, or 0x80 for failure) are MQTT 5 reason codes of the same
// value, so both versions read into ReasonCode.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "bridge/mqtt/packet/properties.hpp"
#include "bridge/mqtt/packet/reason_code.hpp"
#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::bridge::mqtt::packet {

struct Suback {
  std::uint16_t packet_id = 0;
  std::vector<ReasonCode> reasons{};  // at least one; a failure is an answer, not an error
  Properties properties{};            // MQTT 5: Reason String, User Property

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
// each code exists for SUBACK in the version (3.1.1: 0x00, 0x01, 0x02, 0x80).
Result<std::size_t> body_size(const Suback& packet, Version version);

// 3.9.2, 3.9.3: writes the packet id, the properties (MQTT 5) and the codes.
void write_body(const Suback& packet, Version version, Writer& out);

// 3.9.2, 3.9.3: reads the packet id, the properties (MQTT 5) and one or more
// codes, each defined for SUBACK in the version.
Result<Suback> decode_suback(Reader& in);

}  // namespace iotgw::bridge::mqtt::packet
