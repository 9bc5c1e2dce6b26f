// Bounds on a command payload, checked on its bytes before a JSON library
// builds a tree of it: whoever may publish to the command topic is assumed
// hostile, and a tree deep enough (a few hundred thousand "[") overflows the
// stack in the library's recursive copy and destruction. The scan is linear,
// allocates nothing and does not validate JSON; the parser does that after.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace iotgw::gateway {

struct PayloadBounds {
  std::size_t max_bytes = 4096;
  std::size_t max_depth = 8;     // arrays and objects inside one another
  std::size_t max_members = 64;  // separators (',') outside strings, in all
};

// Why the payload exceeds a bound, or nothing when it is within all of them.
std::optional<std::string> exceeded_bound(std::string_view payload, const PayloadBounds& bounds);

}  // namespace iotgw::gateway
