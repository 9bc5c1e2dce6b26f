// UTF-8 rules for MQTT strings (MQTT 3.1.1 section 1.5.3).
#pragma once

#include <string_view>

#include "bridge/mqtt/error.hpp"

namespace iotgw::bridge::mqtt {

// 1.5.3: well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
// above U+10FFFF) without U+0000. `field` names the string in the reason.
Result<> check_utf8(std::string_view text, std::string_view field);

}  // namespace iotgw::bridge::mqtt
