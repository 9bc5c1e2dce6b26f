#include "bridge/mqtt/topic_aliases.hpp"

#include <algorithm>

namespace iotgw::bridge::mqtt {
namespace {

// Counts are kept for this many topics per usable alias at most, so a
// stream of ever new topics cannot grow the table without bound.
constexpr std::size_t counted_per_alias = 8;

}  // namespace

void TopicAliases::reset(std::uint16_t broker_maximum) {
  usable_ = std::min(limit_, broker_maximum);
  by_topic_.clear();
}

std::uint64_t TopicAliases::count_of(std::string_view topic) const {
  const auto counted = counts_.find(topic);
  return counted == counts_.end() ? 0 : counted->second;
}

TopicAliases::ByTopic<std::uint16_t>::iterator TopicAliases::least_used_aliased() {
  return std::min_element(by_topic_.begin(), by_topic_.end(), [this](const auto& a, const auto& b) {
    return count_of(a.first) < count_of(b.first);
  });
}

std::optional<TopicAliases::Use> TopicAliases::use(std::string_view topic) {
  if (usable_ == 0) {
    return std::nullopt;
  }
  auto counted = counts_.find(topic);
  if (counted == counts_.end()) {
    if (counts_.size() >= std::size_t{usable_} * counted_per_alias) {
      // Forget the topics seen least that hold no alias; the new one starts at 0.
      std::erase_if(counts_, [this](const auto& entry) {
        return entry.second <= 1 && !by_topic_.contains(entry.first);
      });
      if (counts_.size() >= std::size_t{usable_} * counted_per_alias) {
        return std::nullopt;
      }
    }
    counted = counts_.emplace(std::string(topic), 0).first;
  }
  const std::uint64_t count = ++counted->second;
  if (const auto known = by_topic_.find(topic); known != by_topic_.end()) {
    return Use{known->second, false};
  }
  if (by_topic_.size() < usable_) {
    const auto alias = static_cast<std::uint16_t>(by_topic_.size() + 1);
    by_topic_.emplace(counted->first, alias);
    return Use{alias, true};
  }
  const auto victim = least_used_aliased();
  if (count_of(victim->first) >= count) {
    return std::nullopt;
  }
  const std::uint16_t alias = victim->second;
  by_topic_.erase(victim);
  by_topic_.emplace(counted->first, alias);
  return Use{alias, true};
}

}  // namespace iotgw::bridge::mqtt
