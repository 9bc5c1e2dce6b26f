#include "gateway/payload_bounds.hpp"

#include <fmt/format.h>

namespace iotgw::gateway {

namespace {

Error beyond_bounds(std::string detail) {
  return {Errc::payload_beyond_bounds, std::move(detail)};
}

}  // namespace

Result<> within_bounds(std::string_view payload, const PayloadBounds& bounds) {
  if (payload.size() > bounds.max_bytes) {
    return beyond_bounds(
        fmt::format("the payload has {} bytes, more than the {} a command may have", payload.size(),
                    bounds.max_bytes));
  }
  std::size_t depth = 0;
  std::size_t members = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : payload) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > bounds.max_depth) {
          return beyond_bounds(fmt::format(
              "the payload nests arrays or objects deeper than {} levels", bounds.max_depth));
        }
        break;
      case ']':
      case '}':
        // Unbalanced closers are the parser's to refuse; they cannot deepen anything.
        depth = depth > 0 ? depth - 1 : 0;
        break;
      case ',':
        if (++members > bounds.max_members) {
          return beyond_bounds(
              fmt::format("the payload has more than {} members", bounds.max_members));
        }
        break;
      default:
        break;
    }
  }
  return {};
}

}  // namespace iotgw::gateway
