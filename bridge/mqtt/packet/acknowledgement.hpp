// PUBACK, PUBREC, PUBREL and PUBCOMP (3.1.1 sections 3.4-3.7, 5.0 sections
// 3.4-3.7): the four steps of the QoS 1 and QoS 2 flows share one layout, a
// packet id and, in MQTT 5, a reason tail (reason_tail.hpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "bridge/mqtt/packet/properties.hpp"
#include "bridge/mqtt/packet/reason_code.hpp"
#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::bridge::mqtt::packet {

template <PacketType Type>
struct Acknowledgement {
  std::uint16_t packet_id = 0;
  ReasonCode reason = ReasonCode::success;
  Properties properties{};  // MQTT 5: Reason String, User Property

  friend bool operator==(const Acknowledgement&, const Acknowledgement&) = default;
};

using Puback = Acknowledgement<PacketType::puback>;
using Pubrec = Acknowledgement<PacketType::pubrec>;
using Pubrel = Acknowledgement<PacketType::pubrel>;
using Pubcomp = Acknowledgement<PacketType::pubcomp>;

template <PacketType Type>
constexpr PacketType type_of(const Acknowledgement<Type>&) noexcept {
  return Type;
}

// 3.6.1: PUBREL carries 0010, the others 0000.
template <PacketType Type>
constexpr std::uint8_t fixed_flags(const Acknowledgement<Type>&) noexcept {
  return Type == PacketType::pubrel ? 0x02 : 0x00;
}

// The remaining length, after checking the packet id, and the reason code and
// properties against the packet type and version.
Result<std::size_t> acknowledgement_size(std::uint16_t packet_id, ReasonCode reason,
                                         const Properties& properties, PacketType type,
                                         Version version);

template <PacketType Type>
Result<std::size_t> body_size(const Acknowledgement<Type>& packet, Version version) {
  return acknowledgement_size(packet.packet_id, packet.reason, packet.properties, Type, version);
}

// Writes the packet id and, in MQTT 5, the shortest reason tail.
void write_acknowledgement(std::uint16_t packet_id, ReasonCode reason, const Properties& properties,
                           Version version, Writer& out);

template <PacketType Type>
void write_body(const Acknowledgement<Type>& packet, Version version, Writer& out) {
  write_acknowledgement(packet.packet_id, packet.reason, packet.properties, version, out);
}

// Reads a non-zero packet id and, in MQTT 5, whatever reason tail follows.
template <PacketType Type>
Result<Acknowledgement<Type>> decode_acknowledgement(Reader& in);

extern template Result<Puback> decode_acknowledgement<PacketType::puback>(Reader&);
extern template Result<Pubrec> decode_acknowledgement<PacketType::pubrec>(Reader&);
extern template Result<Pubrel> decode_acknowledgement<PacketType::pubrel>(Reader&);
extern template Result<Pubcomp> decode_acknowledgement<PacketType::pubcomp>(Reader&);

}  // namespace iotgw::bridge::mqtt::packet
