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

std::string TopicAliases::least_used_aliased() const {
  const auto least = std::min_element(
      by_topic_.begin(), by_topic_.end(),
      [this](const auto& a, const auto& b) { return counts_.at(a.first) < counts_.at(b.first); });
  return least->first;
}

std::optional<TopicAliases::Use> TopicAliases::use(std::string_view topic) {
  if (usable_ == 0) {
    return std::nullopt;
  }
  std::string key(topic);
  if (counts_.size() >= std::size_t{usable_} * counted_per_alias && !counts_.contains(key)) {
    // Forget the topics seen least that hold no alias; the new one starts at 0.
    std::erase_if(counts_, [this](const auto& entry) {
      return entry.second <= 1 && !by_topic_.contains(entry.first);
    });
    if (counts_.size() >= std::size_t{usable_} * counted_per_alias) {
      return std::nullopt;
    }
  }
  const std::uint64_t count = ++counts_[key];
  if (const auto known = by_topic_.find(key); known != by_topic_.end()) {
    return Use{known->second, false};
  }
  if (by_topic_.size() < usable_) {
    const auto alias = static_cast<std::uint16_t>(by_topic_.size() + 1);
    by_topic_.emplace(std::move(key), alias);
    return Use{alias, true};
  }
  const std::string victim = least_used_aliased();
  if (counts_.at(victim) >= count) {
    return std::nullopt;
  }
  const std::uint16_t alias = by_topic_.at(victim);
  by_topic_.erase(victim);
  by_topic_.emplace(std::move(key), alias);
  return Use{alias, true};
}

}  // namespace iotgw::bridge::mqtt
