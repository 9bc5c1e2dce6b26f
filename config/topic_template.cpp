#include "config/topic_template.hpp"

#include <array>
#include <utility>

namespace iotgw::config {
namespace {

constexpr std::array<std::pair<std::string_view, Placeholders>, 4> names{{
    {"prefix", placeholder_prefix},
    {"gateway", placeholder_gateway},
    {"device", placeholder_device},
    {"point", placeholder_point},
}};

std::string_view field(const TopicFields& fields, Placeholders which) {
  switch (which) {
    case placeholder_prefix:
      return fields.prefix;
    case placeholder_gateway:
      return fields.gateway;
    case placeholder_device:
      return fields.device;
    case placeholder_point:
      return fields.point;
  }
  return {};
}

std::optional<Placeholders> lookup(std::string_view name) {
  for (const auto& [text, which] : names) {
    if (text == name) {
      return which;
    }
  }
  return std::nullopt;
}

// Calls on_text for literal runs and on_placeholder for each "{name}"; returns
// the first syntax problem.
template <class OnText, class OnPlaceholder>
Check walk(std::string_view topic, OnText on_text, OnPlaceholder on_placeholder) {
  std::size_t position = 0;
  while (position < topic.size()) {
    const std::size_t open = topic.find('{', position);
    const std::size_t close_stray = topic.find('}', position);
    if (close_stray < open) {
      return "a \"}\" without \"{\"";
    }
    on_text(topic.substr(position, open - position));
    if (open == std::string_view::npos) {
      break;
    }
    const std::size_t close = topic.find('}', open);
    if (close == std::string_view::npos) {
      return "\"{\" is not closed";
    }
    const std::string_view name = topic.substr(open + 1, close - open - 1);
    const std::optional<Placeholders> which = lookup(name);
    if (!which) {
      return "unknown placeholder {" + std::string(name) +
             "}; use {prefix}, {gateway}, {device} or {point}";
    }
    if (Check placed = on_placeholder(*which, name); !placed) {
      return placed;
    }
    position = close + 1;
  }
  return {};
}

}  // namespace

Check check_template(std::string_view topic, unsigned allowed) {
  if (topic.empty()) {
    return "the topic is empty";
  }
  return walk(
      topic, [](std::string_view) {},
      [allowed](Placeholders which, std::string_view name) -> Check {
        if ((allowed & which) == 0) {
          std::string problem = "{";
          problem.append(name).append("} cannot be used in this topic");
          return problem;
        }
        return {};
      });
}

unsigned placeholders_used(std::string_view topic) {
  unsigned used = 0;
  walk(
      topic, [](std::string_view) {},
      [&used](Placeholders which, std::string_view) -> Check {
        used |= which;
        return {};
      });
  return used;
}

std::string expand_topic(std::string_view topic, const TopicFields& fields) {
  std::string result;
  walk(
      topic, [&result](std::string_view text) { result += text; },
      [&](Placeholders which, std::string_view) -> Check {
        result += field(fields, which);
        return {};
      });
  return result;
}

}  // namespace iotgw::config
