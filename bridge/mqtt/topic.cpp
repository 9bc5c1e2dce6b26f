#include "bridge/mqtt/topic.hpp"

#include <algorithm>
#include <cstddef>
#include <string>

#include "bridge/mqtt/utf8.hpp"

namespace iotgw::bridge::mqtt {
namespace {

constexpr std::size_t max_string_size = 65535;

}  // namespace

// 4.7.3, 4.7.1 (wildcards are for filters only), 1.5.3 (UTF-8 and length).
Result<> check_topic_name(std::string_view topic) {
  if (topic.empty()) {
    return Error{Errc::invalid_topic_name, "topic name is empty"};
  }
  if (topic.size() > max_string_size) {
    return Error{Errc::invalid_topic_name, "topic name longer than 65535 bytes"};
  }
  if (const auto pos = topic.find_first_of("+#"); pos != std::string_view::npos) {
    return Error{Errc::invalid_topic_name, "wildcard '" + std::string(1, topic[pos]) +
                                               "' in topic name at byte " + std::to_string(pos)};
  }
  if (auto checked = check_utf8(topic, "topic name"); !checked) {
    return Error{Errc::invalid_topic_name, checked.error().reason};
  }
  return {};
}

// 4.7.1.2 ('#' alone in the last level), 4.7.1.3 ('+' alone in its level), 4.7.3.
Result<> check_topic_filter(std::string_view filter) {
  if (filter.empty()) {
    return Error{Errc::invalid_topic_filter, "topic filter is empty"};
  }
  if (filter.size() > max_string_size) {
    return Error{Errc::invalid_topic_filter, "topic filter longer than 65535 bytes"};
  }
  for (std::size_t i = 0; i < filter.size(); ++i) {
    const char c = filter[i];
    if (c != '+' && c != '#') {
      continue;
    }
    const bool starts_level = i == 0 || filter[i - 1] == '/';
    const bool ends_level = i + 1 == filter.size() || filter[i + 1] == '/';
    if (!starts_level || !ends_level) {
      return Error{Errc::invalid_topic_filter, "wildcard '" + std::string(1, c) +
                                                   "' does not fill its level at byte " +
                                                   std::to_string(i)};
    }
    if (c == '#' && i + 1 != filter.size()) {
      return Error{Errc::invalid_topic_filter, "'#' is not the last level"};
    }
  }
  if (auto checked = check_utf8(filter, "topic filter"); !checked) {
    return Error{Errc::invalid_topic_filter, checked.error().reason};
  }
  return {};
}

// 4.7.1.2, 4.7.1.3, 4.7.2: walk both strings level by level.
bool topic_matches(std::string_view filter, std::string_view topic) noexcept {
  if (!topic.empty() && topic.front() == '$' && !filter.empty() &&
      (filter.front() == '+' || filter.front() == '#')) {
    return false;
  }
  std::size_t f = 0;
  std::size_t t = 0;
  while (true) {
    const std::size_t f_end = std::min(filter.find('/', f), filter.size());
    const std::string_view f_level = filter.substr(f, f_end - f);
    if (f_level == "#") {
      // Matches the parent level too: "a/#" matches "a".
      return true;
    }
    const std::size_t t_end = std::min(topic.find('/', t), topic.size());
    const std::string_view t_level = topic.substr(t, t_end - t);
    if (f_level != "+" && f_level != t_level) {
      return false;
    }
    const bool filter_last = f_end == filter.size();
    const bool topic_last = t_end == topic.size();
    if (filter_last && topic_last) {
      return true;
    }
    if (topic_last) {
      // The topic ran out first: only a final "/#" in the filter still matches.
      return filter.substr(f_end) == "/#";
    }
    if (filter_last) {
      return false;
    }
    f = f_end + 1;
    t = t_end + 1;
  }
}

}  // namespace iotgw::bridge::mqtt
