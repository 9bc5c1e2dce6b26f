// The tail that PUBACK, PUBREC, PUBREL, PUBCOMP, DISCONNECT and AUTH end
// with in MQTT 5 (5.0 3.4.2.1, 3.14.2.1, 3.15.2.1): a reason code, then
// properties. Both may be left out: a packet that ends before the reason code
// means Success, one that ends after it has no properties. MQTT 3.1.1 has no
// tail at all.
#pragma once

#include <cstddef>
#include <span>

#include "bridge/mqtt/packet/properties.hpp"
#include "bridge/mqtt/packet/reason_code.hpp"
#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::bridge::mqtt::packet {

struct ReasonTail {
  ReasonCode reason = ReasonCode::success;
  Properties properties{};
};

// The encoded size of the tail, after checking that `reason` belongs in a
// packet of `type` and the properties in its scope. In 3.1.1 the tail must be
// Success without properties, and takes no bytes.
Result<std::size_t> reason_tail_size(ReasonCode reason, std::span<const Property> properties,
                                     PacketType type, Version version);

// Writes the shortest form: nothing for Success without properties, the
// reason code alone when there are no properties, else both.
void write_reason_tail(ReasonCode reason, std::span<const Property> properties, Version version,
                       Writer& out);

// Reads whatever of the tail the packet holds: everything left in `in`.
Result<ReasonTail> read_reason_tail(Reader& in, PacketType type);

}  // namespace iotgw::bridge::mqtt::packet
