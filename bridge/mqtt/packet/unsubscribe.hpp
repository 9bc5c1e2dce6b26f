// UNSUBSCRIBE (3.1.1 section 3.10, 5.0 section 3.10): the client drops topic
// filters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bridge/mqtt/packet/properties.hpp"
#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::bridge::mqtt::packet {

struct Unsubscribe {
  std::uint16_t packet_id = 0;
  std::vector<std::string> filters;  // at least one
  Properties properties{};           // MQTT 5: User Property

  friend bool operator==(const Unsubscribe&, const Unsubscribe&) = default;
};

constexpr PacketType type_of(const Unsubscribe&) noexcept {
  return PacketType::unsubscribe;
}

// 3.10.1: the fixed-header flags (0010).
constexpr std::uint8_t fixed_flags(const Unsubscribe&) noexcept {
  return 0x02;
}

// 3.10.2, 3.10.3: the remaining length, after checking the packet id, that
// there is at least one filter and that each is a valid filter (4.7), and in
// MQTT 5 the properties.
Result<std::size_t> body_size(const Unsubscribe& packet, Version version);

// 3.10.2, 3.10.3: writes the packet id, the properties (MQTT 5) and the
// filters.
void write_body(const Unsubscribe& packet, Version version, Writer& out);

// 3.10.2, 3.10.3: reads the packet id, the properties (MQTT 5) and one or
// more topic filters.
Result<Unsubscribe> decode_unsubscribe(Reader& in);

}  // namespace iotgw::bridge::mqtt::packet
