// Outbound topic aliases (5.0 3.3.2.3.4): a PUBLISH may name its topic by a
// two-byte alias once the alias was sent together with the topic on the
// same connection. Aliases go to the topics published most often, up to the
// smaller of the broker's Topic Alias Maximum and our own limit; a topic used
// more often than the least used aliased one takes its alias over. Counts
// outlive a connection, mappings do not (5.0 3.3.2.3.4: they end with it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace iotgw::bridge::mqtt {

class TopicAliases {
 public:
  // How a PUBLISH names its topic: with the alias only (the broker knows the
  // mapping), or with both (this PUBLISH sets the mapping).
  struct Use {
    std::uint16_t alias;
    bool topic_needed;

    friend bool operator==(const Use&, const Use&) = default;
  };

  // `limit`: how many aliases we may use at most (0 = none).
  explicit TopicAliases(std::uint16_t limit) : limit_(limit) {}

  // A new connection on which the broker accepts `broker_maximum` aliases:
  // every mapping is forgotten.
  void reset(std::uint16_t broker_maximum);

  // Counts one PUBLISH to `topic` and says how to name it, or nothing when
  // the topic goes out in full without an alias.
  std::optional<Use> use(std::string_view topic);

  std::size_t in_use() const noexcept { return by_topic_.size(); }

 private:
  // Looks a topic up by its view: a PUBLISH to a known topic allocates nothing.
  struct TopicHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view topic) const noexcept {
      return std::hash<std::string_view>{}(topic);
    }
  };
  template <typename Value>
  using ByTopic = std::unordered_map<std::string, Value, TopicHash, std::equal_to<>>;

  // The aliased topic published least often, to be replaced.
  ByTopic<std::uint16_t>::iterator least_used_aliased();
  std::uint64_t count_of(std::string_view topic) const;

  std::uint16_t limit_;
  std::uint16_t usable_ = 0;  // min(limit_, the broker's maximum) on this connection
  ByTopic<std::uint64_t> counts_;
  ByTopic<std::uint16_t> by_topic_;
};

}  // namespace iotgw::bridge::mqtt
