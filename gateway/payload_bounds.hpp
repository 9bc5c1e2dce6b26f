// Bounds on a command payload, checked on its bytes before a JSON library
// builds a tree of it: whoever may publish to the command topic is assumed
// hostile, and a tree deep enough (a few hundred thousand "[") overflows the
// stack in the library's recursive copy and destruction. The scan is linear,
// allocates nothing and does not validate JSON; the parser does that after.
#pragma once

#include <cstddef>
#include <string_view>

#include "gateway/error.hpp"

namespace iotgw::gateway {

struct PayloadBounds {
  std::size_t max_bytes = 4096;
  std::size_t max_depth = 8;     // arrays and objects inside one another
  std::size_t max_members = 64;  // separators (',') outside strings, in all
};

// Success when the payload is within all of the bounds; otherwise
// Errc::payload_beyond_bounds with the bound it exceeds.
Result<> within_bounds(std::string_view payload, const PayloadBounds& bounds);

}  // namespace iotgw::gateway
