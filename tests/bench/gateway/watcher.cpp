#include "tests/bench/gateway/watcher.hpp"

#include <stdexcept>
#include <string_view>

#include <boost/asio/post.hpp>

namespace iotgw::bench {
namespace {

config::Mqtt subscriber_config(std::uint16_t port, const std::string& client_id) {
  config::Mqtt mqtt;
  mqtt.brokers = {
      {.url = "mqtt://127.0.0.1:" + std::to_string(port), .host = "127.0.0.1", .port = port}};
  mqtt.client_id = client_id;
  mqtt.clean_session = true;
  mqtt.will.topic.clear();
  return mqtt;
}

}  // namespace

bool wait_for(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!condition()) {
    if (Clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

Watcher::Watcher(std::uint16_t broker_port, const std::string& client_id, const std::string& filter,
                 std::string counted_prefix, Observer observer)
    : counted_prefix_(std::move(counted_prefix)),
      observer_(std::move(observer)),
      mqtt_(subscriber_config(broker_port, client_id)),
      work_(io_.get_executor()),
      client_(io_.get_executor(), mqtt_),
      thread_([this] { io_.run(); }) {
  boost::asio::post(io_, [this, filter] {
    client_.on_message(
        [this](const bridge::mqtt::packet::Publish& message) { on_message(message); });
    client_.subscribe(
        {{filter, bridge::mqtt::packet::Qos::at_least_once}},
        [this](const bridge::mqtt::Result<std::vector<bridge::mqtt::packet::ReasonCode>>& granted) {
          subscribed_ = granted && !bridge::mqtt::packet::is_failure(granted->front());
        });
    client_.start();
  });
  if (!wait_for([this] { return subscribed_.load(); }, std::chrono::seconds(10))) {
    throw std::runtime_error("the subscriber " + client_id + " could not subscribe to " + filter);
  }
}

Watcher::~Watcher() {
  boost::asio::post(io_, [this] { client_.stop([this] { work_.reset(); }); });
  thread_.join();
}

std::optional<Watcher::Latest> Watcher::latest(const std::string& topic) const {
  std::lock_guard lock(mutex_);
  const auto found = latest_.find(topic);
  return found == latest_.end() ? std::nullopt : std::optional<Latest>(found->second);
}

void Watcher::on_message(const bridge::mqtt::packet::Publish& message) {
  const Clock::time_point now = Clock::now();
  const std::string_view payload(reinterpret_cast<const char*>(message.payload.data()),
                                 message.payload.size());
  if (!message.topic.starts_with(counted_prefix_)) {
    std::lock_guard lock(mutex_);
    latest_[message.topic] = {std::string(payload), now};
    return;
  }
  const std::int64_t ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  if (counted_++ == 0) {
    first_ns_ = ns;
  }
  last_ns_ = ns;
  if (payload.find("\"quality\":\"good\"") != std::string_view::npos) {
    ++good_;
    last_good_ns_ = ns;
  }
  if (observer_) {
    observer_(message, now);
  }
}

}  // namespace iotgw::bench
