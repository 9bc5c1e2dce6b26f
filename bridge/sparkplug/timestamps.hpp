// Correcting the clock of an encoded Sparkplug B payload. Payloads wait in the
// store before they go out; when the wall clock turns out to have been wrong
// while they were built, every timestamp of each waiting payload moves by the
// same delta. This works on the wire bytes, so that whatever else the payload
// holds goes out exactly as it was built.
#pragma once

#include <cstdint>
#include <vector>

namespace iotgw::bridge::sparkplug {

// Moves the payload's timestamp and every metric's by delta_ms (a clock
// found wrong after the payload was built). False, and the payload
// unchanged, when it is not a well-formed payload; a timestamp that would go
// below 0 becomes 0.
bool shift_timestamps(std::vector<std::uint8_t>& payload, std::int64_t delta_ms);

}  // namespace iotgw::bridge::sparkplug
