// Topic names, topic filters and matching (MQTT 3.1.1 section 4.7).
#pragma once

#include <string_view>

#include "bridge/mqtt/error.hpp"

namespace iotgw::bridge::mqtt {

// 4.7.3 and 3.3.2.1: a topic name is non-empty UTF-8 of at most 65535 bytes
// and carries no wildcard.
Result<> check_topic_name(std::string_view topic);

// 4.7.1 and 4.7.3: a topic filter is non-empty UTF-8 of at most 65535 bytes;
// '+' fills a whole level, '#' fills the last level.
Result<> check_topic_filter(std::string_view filter);

// 4.7.1 and 4.7.2: whether a valid `filter` matches a valid topic name. A
// filter starting with a wildcard does not match a topic starting with '$'.
bool topic_matches(std::string_view filter, std::string_view topic) noexcept;

}  // namespace iotgw::bridge::mqtt
