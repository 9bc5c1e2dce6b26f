// Topic templates such as "{prefix}/{gateway}/{device}/{point}".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/check.hpp"

namespace iotgw::config {

struct TopicFields {
  std::string_view prefix{};
  std::string_view gateway{};
  std::string_view device{};
  std::string_view point{};
};

enum Placeholders : unsigned {
  placeholder_prefix = 1,
  placeholder_gateway = 2,
  placeholder_device = 4,
  placeholder_point = 8,
};

// Passes when the template is usable: not empty, every placeholder known,
// closed and in allowed.
Check check_template(std::string_view topic, unsigned allowed);

// Which placeholders the template uses.
unsigned placeholders_used(std::string_view topic);

// The template with every placeholder replaced by its field.
std::string expand_topic(std::string_view topic, const TopicFields& fields);

}  // namespace iotgw::config
