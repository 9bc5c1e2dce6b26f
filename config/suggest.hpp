// "Did you mean" suggestions for misspelt keys and values.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace iotgw::config {

// The candidate closest to word by edit distance (a transposition counts as one
// edit), if it is close enough to be a plausible typo.
std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string_view> candidates);

}  // namespace iotgw::config
