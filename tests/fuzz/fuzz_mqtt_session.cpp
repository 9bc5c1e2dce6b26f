// Fuzzes the MQTT session core, in MQTT 3.1.1 and in MQTT 5 (with topic
// aliases and the fallback to 3.1.1), with a script read from the input: each
// byte picks a step (broker bytes, a command, a timer, a lost transport).
// Beyond "no crash", it checks that every packet the session sends is valid
// MQTT in the version it speaks at that moment (it decodes), that a PUBLISH
// with an empty topic uses an alias set earlier on the same connection and
// within the configured maximum, that the in-flight window holds, and that no
// message is reported complete twice or without having been published.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/mqtt/packet/packet.hpp"
#include "bridge/mqtt/session.hpp"

namespace {

using namespace iotgw::bridge::mqtt;

void require(bool condition) {
  if (!condition) {
    std::abort();
  }
}

constexpr std::size_t window = 4;
constexpr std::uint16_t aliases = 2;  // fewer than the topics below: aliases get reassigned

constexpr std::array<std::string_view, 3> topics = {"f/a", "f/b", "f/c"};

// Reads the script one byte at a time; past the end it yields zeros.
class Script {
 public:
  explicit Script(std::span<const std::uint8_t> data) : data_(data) {}
  bool done() const { return at_ >= data_.size(); }
  std::uint8_t next() { return at_ < data_.size() ? data_[at_++] : 0; }
  std::span<const std::uint8_t> take(std::size_t n) {
    n = std::min(n, data_.size() - at_);
    const auto taken = data_.subspan(at_, n);
    at_ += n;
    return taken;
  }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t at_ = 0;
};

struct Checker {
  packet::Version version;
  std::set<std::uint64_t> outstanding;
  std::set<std::uint64_t> finished;
  std::map<std::uint32_t, std::string> aliases_set;  // on the current connection

  void check_sent(const packet::Packet& sent) {
    if (std::holds_alternative<packet::Connect>(sent)) {
      aliases_set.clear();
      return;
    }
    const auto* publish = std::get_if<packet::Publish>(&sent);
    if (publish == nullptr) {
      return;
    }
    const auto alias = publish->properties.integer(packet::PropertyId::topic_alias);
    if (!alias) {
      require(!publish->topic.empty());
      return;
    }
    require(version == packet::Version::v5 && *alias <= aliases);
    if (publish->topic.empty()) {
      require(aliases_set.contains(*alias));
    } else {
      aliases_set[*alias] = publish->topic;
    }
  }

  void check(const Events& out) {
    for (const auto& e : out) {
      if (const auto* s = std::get_if<event::Send>(&e)) {
        auto sent = decode(s->bytes, version, packet::DecodeLimits{1u << 20});
        require(sent.has_value());
        check_sent(*sent);
      } else if (std::holds_alternative<event::VersionFallback>(e)) {
        version = packet::Version::v3_1_1;
      } else if (const auto* done = std::get_if<event::PublishCompleted>(&e)) {
        require(outstanding.erase(done->tag) == 1);
        require(finished.insert(done->tag).second);
      } else if (const auto* rejected = std::get_if<event::CommandRejected>(&e)) {
        outstanding.erase(rejected->tag);
      }
    }
  }
};

void run(std::span<const std::uint8_t> data, packet::Version version) {
  SessionConfig config;
  config.version = version;
  config.connect.client_id = "fuzz";
  config.connect.clean_session = false;
  config.connect.keep_alive = 10;
  config.max_in_flight = window;
  config.fall_back_to_3_1_1 = version == packet::Version::v5;
  config.topic_aliases = aliases;
  config.session_expiry = 3600;
  Session s(config);
  Checker check{version, {}, {}, {}};
  Script steps(data);
  auto now = std::chrono::steady_clock::time_point{};
  std::uint64_t next_tag = 1;
  const std::vector<std::uint8_t> payload = {0x01, 0x02};
  // What the gateway's telemetry carries (session strips it in 3.1.1).
  const std::vector<packet::Property> properties = {
      {packet::PropertyId::message_expiry_interval, std::uint32_t{20}},
      {packet::PropertyId::payload_format_indicator, std::uint32_t{1}},
      {packet::PropertyId::content_type, std::string("application/json")}};

  while (!steps.done()) {
    now += std::chrono::milliseconds{steps.next() * 100};
    switch (steps.next() % 8) {
      case 0:
        check.check(s.feed(steps.take(steps.next()), now));
        break;
      case 1: {
        const std::uint8_t choice = steps.next();
        const std::uint64_t tag = next_tag++;
        check.outstanding.insert(tag);
        packet::PublishView message{.topic = topics[choice % topics.size()],
                                    .payload = payload,
                                    .qos = static_cast<packet::Qos>((choice >> 2) % 3)};
        if ((choice & 0x80) != 0) {
          message.properties = properties;
        }
        check.check(s.publish(message, tag, now));
        break;
      }
      case 2:
        check.check(
            s.on_timer(static_cast<event::TimerKind>(steps.next() % event::timer_kinds), now));
        break;
      case 3:
        check.check(s.connection_lost(now));
        break;
      case 4:
        check.check(s.connect(now));
        break;
      case 5:
        check.check(
            s.subscribe({{.filter = "f/#", .qos = packet::Qos::exactly_once, .no_local = true}},
                        next_tag++, now));
        break;
      case 6:
        check.check(s.unsubscribe({"f/#"}, next_tag++, now));
        break;
      case 7:
        check.check(s.disconnect(now));
        break;
    }
    require(s.in_flight() <= window);
    require(s.version() == check.version);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  run({data, size}, packet::Version::v3_1_1);
  run({data, size}, packet::Version::v5);
  return 0;
}
