#include "gateway/sparkplug_node.hpp"

#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace iotgw::gateway {
namespace {

namespace sp = bridge::sparkplug;
using namespace std::chrono_literals;
using bridge::forwarder::MqttPublisher;
using bridge::forwarder::Outcome;

// A host's command names a few metrics; more is no command of ours.
constexpr std::size_t max_command_metrics = 64;
// A STATE message is a small JSON object.
constexpr std::size_t max_state_bytes = 1024;
// Rebirth requests beyond one per interval are answered together at its end.
constexpr auto rebirth_interval = 5s;
constexpr std::string_view rebirth_metric = "Node Control/Rebirth";
// Refusals a command sender can cause: a burst per interval, then a count.
constexpr std::size_t refusal_log_burst = 20;
constexpr auto refusal_log_interval = 60s;

std::uint64_t now_ms() {
  return sparkplug_time(std::chrono::system_clock::now());
}

std::string_view text_of(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

bool is_signed(sp::DataType type) {
  return type == sp::DataType::int8 || type == sp::DataType::int16 || type == sp::DataType::int32 ||
         type == sp::DataType::int64;
}

// A metric's value as JSON, read as the point's data type says (an Int16
// comes two's complement in int_value's low bits, an Int64 in long_value).
nlohmann::json json_of(const sp::ReceivedMetric& metric, sp::DataType type) {
  return std::visit(
      [type](const auto& value) -> nlohmann::json {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return nullptr;
        } else if constexpr (std::is_same_v<T, std::uint32_t>) {
          if (is_signed(type)) {
            return static_cast<std::int32_t>(value);
          }
          return value;
        } else if constexpr (std::is_same_v<T, std::uint64_t>) {
          if (is_signed(type)) {
            return static_cast<std::int64_t>(value);
          }
          return value;
        } else {
          return value;
        }
      },
      metric.value);
}

const config::Device* find_device(const config::Config& config, std::string_view name,
                                  DeviceAddress& address) {
  for (std::size_t b = 0; b < config.buses.size(); ++b) {
    const auto& devices = config.buses[b].devices;
    for (std::size_t d = 0; d < devices.size(); ++d) {
      if (devices[d].name == name) {
        address = {b, d};
        return &devices[d];
      }
    }
  }
  return nullptr;
}

// The point a command's metric names, by alias or else by name.
std::optional<std::size_t> find_point(const config::Device& device, const SparkplugModel& model,
                                      const sp::ReceivedMetric& metric) {
  if (metric.alias) {
    const std::uint64_t first = model.alias_of(device, 0);
    if (*metric.alias >= first && *metric.alias - first < device.points.size()) {
      return static_cast<std::size_t>(*metric.alias - first);
    }
    return std::nullopt;
  }
  for (std::size_t p = 0; p < device.points.size(); ++p) {
    if (device.points[p].name == metric.name) {
      return p;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<std::vector<SparkplugWrite>> parse_device_command(const config::Config& config,
                                                         const SparkplugModel& model,
                                                         std::string_view device_name,
                                                         std::span<const std::uint8_t> payload) {
  DeviceAddress address;
  const config::Device* device = find_device(config, device_name, address);
  if (device == nullptr) {
    return Error{Errc::unknown_device, "unknown device"};
  }
  auto decoded = sp::decode(payload, max_command_metrics);
  if (!decoded) {
    return Error{Errc::malformed_payload, "malformed payload: " + decoded.error()};
  }
  if (decoded->metrics.empty()) {
    return Error{Errc::no_value, "no metric"};
  }
  std::vector<SparkplugWrite> writes;
  for (const sp::ReceivedMetric& metric : decoded->metrics) {
    const std::optional<std::size_t> point = find_point(*device, model, metric);
    if (!point) {
      return Error{Errc::unknown_point,
                   metric.alias
                       ? fmt::format("no point of \"{}\" has alias {}", device->name, *metric.alias)
                       : fmt::format("unknown point of \"{}\"", device->name)};
    }
    const config::Point& target = device->points[*point];
    if (!target.writable) {
      return Error{Errc::not_writable, fmt::format("point \"{}\" is not writable", target.name)};
    }
    if (metric.is_null) {
      return Error{Errc::no_value, fmt::format("point \"{}\": a null value", target.name)};
    }
    Result<drivers::Value> value = to_point_value(target, json_of(metric, data_type_of(target)));
    if (!value) {
      return value.error();
    }
    writes.push_back({address, *point, std::move(*value)});
  }
  return writes;
}

SparkplugNode::SparkplugNode(boost::asio::io_context& io, const config::Config& config,
                             bridge::mqtt::io::Client& client, MqttPublisher& publisher,
                             bridge::forwarder::Forwarder& forwarder, Write write)
    : config_(config),
      client_(client),
      publisher_(publisher),
      forwarder_(forwarder),
      write_(std::move(write)),
      model_(config, config.sparkplug.group_id, config.sparkplug.edge_node_id),
      bd_seq_file_(config.gateway.state_dir / "sparkplug-bdseq"),
      node_prefix_("spBv1.0/" + config.sparkplug.group_id + "/"),
      state_topic_(config.sparkplug.primary_host_id.empty()
                       ? std::string()
                       : "spBv1.0/STATE/" + config.sparkplug.primary_host_id),
      rebirth_timer_(io),
      refusal_log_(refusal_log_burst, refusal_log_interval) {
  for (const config::Bus& bus : config.buses) {
    for (const config::Device& device : bus.devices) {
      devices_[&device];
    }
  }
}

config::Mqtt SparkplugNode::uplink_settings(const config::Config& config) {
  config::Mqtt mqtt = config.mqtt;
  mqtt.clean_session = true;
  mqtt.session_expiry = config::Duration::zero();
  mqtt.will = {};
  mqtt.will.topic =
      "spBv1.0/" + config.sparkplug.group_id + "/NDEATH/" + config.sparkplug.edge_node_id;
  mqtt.will.qos = 1;
  mqtt.will.retain = false;
  mqtt.will.delay = config::Duration::zero();
  return mqtt;
}

void SparkplugNode::start() {
  client_.will_of_each_connection([this]() -> std::optional<bridge::mqtt::packet::Will> {
    const BdSeqFile::Next next = bd_seq_file_.next();
    if (!next.kept) {
      spdlog::warn(
          "sparkplug: cannot keep bdSeq {} in {}: after a restart a host may take the "
          "next NDEATH for an older one",
          next.value, (config_.gateway.state_dir / "sparkplug-bdseq").string());
    }
    bd_seq_ = next.value;
    auto death = sp::encode(model_.node_death(bd_seq_));
    return bridge::mqtt::packet::Will{model_.topic(SparkplugMessage::ndeath),
                                      death ? std::move(*death) : std::vector<std::uint8_t>{},
                                      bridge::mqtt::packet::Qos::at_least_once, false};
  });
  const std::string nbirth = model_.topic(SparkplugMessage::nbirth);
  const std::string numbered[] = {model_.topic(SparkplugMessage::dbirth) + "/",
                                  model_.topic(SparkplugMessage::ddata) + "/",
                                  model_.topic(SparkplugMessage::ddeath) + "/"};
  publisher_.number_messages([nbirth, numbered](const bridge::store::Message& message) {
    if (message.topic == nbirth) {
      return MqttPublisher::Numbering::first;
    }
    for (const std::string& prefix : numbered) {
      if (message.topic.starts_with(prefix)) {
        return MqttPublisher::Numbering::next;
      }
    }
    return MqttPublisher::Numbering::none;
  });
  std::vector<bridge::mqtt::packet::Subscription> filters = {
      {.filter = model_.topic(SparkplugMessage::ncmd),
       .qos = bridge::mqtt::packet::Qos::at_least_once},
      {.filter = model_.topic(SparkplugMessage::dcmd) + "/+",
       .qos = bridge::mqtt::packet::Qos::at_least_once}};
  if (!state_topic_.empty()) {
    filters.push_back({.filter = state_topic_, .qos = bridge::mqtt::packet::Qos::at_least_once});
  }
  client_.subscribe(
      std::move(filters),
      [](const bridge::mqtt::Result<std::vector<bridge::mqtt::packet::ReasonCode>>& granted) {
        if (!granted) {
          spdlog::error("sparkplug: subscribing to the commands failed: {}",
                        granted.error().reason);
          return;
        }
        for (const bridge::mqtt::packet::ReasonCode code : *granted) {
          if (bridge::mqtt::packet::is_failure(code)) {
            spdlog::error("sparkplug: the broker refused a subscription (NCMD, DCMD or STATE)");
          }
        }
      });
}

void SparkplugNode::on_connection(const bridge::mqtt::io::ConnectionEvent& event) {
  connected_ = event.connected;
  if (!connected_) {
    // A new connection waits for the host's retained STATE again.
    host_online_ = false;
    hold_data();
    return;
  }
  if (state_topic_.empty()) {
    births();
  } else {
    spdlog::info("sparkplug: waiting for the primary host {} to be online",
                 config_.sparkplug.primary_host_id);
  }
}

void SparkplugNode::hold_data() {
  speaking_ = false;
  births_done_ = false;
  ++birth_round_;
  births_waiting_ = 0;
  forwarder_.pause();
  publisher_.give_back_telemetry();
}

bool SparkplugNode::publish(std::string topic, const sp::Payload& payload, bool urgent,
                            bridge::forwarder::Publisher::Done done) {
  auto encoded = sp::encode(payload);
  if (!encoded) {
    spdlog::error("sparkplug: cannot encode a message for {}: {}", topic, encoded.error());
    return false;
  }
  bridge::store::Message message{.topic = std::move(topic),
                                 .payload = std::move(*encoded),
                                 .qos = static_cast<std::uint8_t>(config_.mqtt.qos)};
  return publisher_.publish_control(std::move(message), urgent, std::move(done));
}

// NBIRTH, then a DBIRTH per device (and DDEATH after it for a dead one);
// the stored data follows once the broker took all of them.
void SparkplugNode::births() {
  hold_data();
  speaking_ = true;
  last_rebirth_ = std::chrono::steady_clock::now();
  ++counters_.births;
  const std::uint64_t round = birth_round_;
  auto done = [this, round](Outcome) {
    if (round == birth_round_ && --births_waiting_ == 0) {
      birth_done();
    }
  };
  const std::uint64_t now = now_ms();
  births_waiting_ = 1;  // until every birth is handed over
  if (publish(model_.topic(SparkplugMessage::nbirth), model_.node_birth(bd_seq_, now), true,
              done)) {
    ++births_waiting_;
  }
  for (const config::Bus& bus : config_.buses) {
    for (const config::Device& device : bus.devices) {
      if (publish(model_.topic(SparkplugMessage::dbirth, device), model_.device_birth(device, now),
                  false, done)) {
        ++births_waiting_;
      }
      if (!devices_[&device].alive && publish(model_.topic(SparkplugMessage::ddeath, device),
                                              model_.device_death(now), false, done)) {
        ++births_waiting_;
      }
    }
  }
  done(Outcome::delivered);
}

void SparkplugNode::birth_done() {
  births_done_ = true;
  forwarder_.resume();
  publisher_.connected();
}

void SparkplugNode::observe(const drivers::Reading& reading) {
  model_.remember(reading);
  using Kind = drivers::Quality::Kind;
  if (reading.quality.kind != Kind::timeout && reading.quality.kind != Kind::port_down) {
    devices_[reading.device].answered_this_poll = true;
  }
}

void SparkplugNode::on_poll_end(const config::Device& device) {
  DeviceLife& life = devices_[&device];
  const bool answered = std::exchange(life.answered_this_poll, false);
  if (answered == life.alive) {
    return;
  }
  life.alive = answered;
  spdlog::info("sparkplug: device {} {}", device.name,
               answered ? "answers again: DBIRTH" : "does not answer: DDEATH");
  // Once the births are on their way a device's change follows them; before,
  // the births will say it.
  if (speaking_) {
    answered ? device_birth(device) : device_death(device);
  }
}

void SparkplugNode::device_birth(const config::Device& device) {
  publish(model_.topic(SparkplugMessage::dbirth, device), model_.device_birth(device, now_ms()),
          false, [](Outcome) {});
}

void SparkplugNode::device_death(const config::Device& device) {
  publish(model_.topic(SparkplugMessage::ddeath, device), model_.device_death(now_ms()), false,
          [](Outcome) {});
}

std::optional<SparkplugData> SparkplugNode::data_message(const DevicePolls::Poll& poll,
                                                         bool historical) const {
  if (poll.empty() || !devices_.at(poll.front().device).alive) {
    return std::nullopt;  // a device that did not answer has its DDEATH instead
  }
  auto encoded = sp::encode(model_.device_data(poll, historical));
  if (!encoded) {
    spdlog::error("sparkplug: cannot encode the data of {}: {}", poll.front().device->name,
                  encoded.error());
    return std::nullopt;
  }
  return SparkplugData{model_.topic(SparkplugMessage::ddata, *poll.front().device),
                       std::move(*encoded)};
}

void SparkplugNode::publish_death(std::function<void()> done) {
  if (!connected_) {
    done();
    return;
  }
  auto death = sp::encode(model_.node_death(bd_seq_));
  bridge::store::Message message{
      .topic = model_.topic(SparkplugMessage::ndeath),
      .payload = death ? std::move(*death) : std::vector<std::uint8_t>{},
      .qos = static_cast<std::uint8_t>(bridge::mqtt::packet::Qos::at_least_once)};
  publisher_.publish_control(std::move(message), true,
                             [done = std::move(done)](Outcome) { done(); });
}

void SparkplugNode::stop() {
  rebirth_timer_.cancel();
}

bool SparkplugNode::on_message(const bridge::mqtt::packet::Publish& message) {
  if (!state_topic_.empty() && message.topic == state_topic_) {
    on_state(text_of(message.payload));
    return true;
  }
  if (message.topic == model_.topic(SparkplugMessage::ncmd)) {
    on_node_command(message);
    return true;
  }
  const std::string dcmd = model_.topic(SparkplugMessage::dcmd) + "/";
  if (message.topic.starts_with(dcmd)) {
    on_device_command(message, std::string_view(message.topic).substr(dcmd.size()));
    return true;
  }
  return false;
}

// Sparkplug 3.0: {"online": true|false, "timestamp": ms}; a STATE older than
// the last one taken is a stale retained message, and ignored.
void SparkplugNode::on_state(std::string_view payload) {
  const nlohmann::json state = payload.size() <= max_state_bytes
                                   ? nlohmann::json::parse(payload, nullptr, false)
                                   : nlohmann::json();
  if (!state.is_object() || !state.contains("online") || !state["online"].is_boolean() ||
      !state.contains("timestamp") || !state["timestamp"].is_number_unsigned()) {
    refuse(state_topic_, "not a Sparkplug 3.0 STATE ({\"online\":…,\"timestamp\":…})");
    return;
  }
  const auto timestamp = state["timestamp"].get<std::uint64_t>();
  if (host_timestamp_ && timestamp < *host_timestamp_) {
    return;
  }
  host_timestamp_ = timestamp;
  const bool online = state["online"].get<bool>();
  if (online == host_online_) {
    return;
  }
  host_online_ = online;
  spdlog::info("sparkplug: the primary host {} is {}", config_.sparkplug.primary_host_id,
               online ? "online: births, then the data" : "offline: data waits in the store");
  if (!online) {
    ++counters_.host_offline;
    hold_data();
  } else if (connected_) {
    births();
  }
}

void SparkplugNode::on_node_command(const bridge::mqtt::packet::Publish& message) {
  ++counters_.commands;
  if (message.retain) {
    refuse(message.topic, "retained");
    return;
  }
  auto decoded = sp::decode(message.payload, max_command_metrics);
  if (!decoded) {
    refuse(message.topic, "malformed payload: " + decoded.error());
    return;
  }
  for (const sp::ReceivedMetric& metric : decoded->metrics) {
    const bool* value = std::get_if<bool>(&metric.value);
    if (metric.name != rebirth_metric || value == nullptr) {
      refuse(message.topic, "only Node Control/Rebirth (Boolean) is obeyed");
      return;
    }
  }
  for (const sp::ReceivedMetric& metric : decoded->metrics) {
    if (std::get<bool>(metric.value)) {
      request_rebirth();
      return;
    }
  }
}

// At most one rebirth per rebirth_interval: a flood of requests costs one.
void SparkplugNode::request_rebirth() {
  if (!connected_ || (!state_topic_.empty() && !host_online_)) {
    return;  // the births come when the node may speak
  }
  ++counters_.rebirths;
  const auto due = last_rebirth_ + rebirth_interval;
  if (std::chrono::steady_clock::now() >= due) {
    births();
    return;
  }
  if (rebirth_timer_armed_) {
    return;
  }
  rebirth_timer_armed_ = true;
  rebirth_timer_.expires_at(due);
  rebirth_timer_.async_wait([this](boost::system::error_code cancelled) {
    rebirth_timer_armed_ = false;
    if (!cancelled && connected_ && (state_topic_.empty() || host_online_)) {
      births();
    }
  });
}

void SparkplugNode::on_device_command(const bridge::mqtt::packet::Publish& message,
                                      std::string_view device) {
  ++counters_.commands;
  if (message.retain) {
    refuse(message.topic, "retained");
    return;
  }
  Result<std::vector<SparkplugWrite>> writes =
      parse_device_command(config_, model_, device, message.payload);
  if (!writes) {
    refuse(message.topic, writes.error().detail);
    return;
  }
  for (const SparkplugWrite& write : *writes) {
    write_(write);
  }
}

void SparkplugNode::refuse(std::string_view topic, std::string_view why) {
  ++counters_.refused;
  if (const LogLimiter::Verdict verdict = refusal_log_.check(std::chrono::steady_clock::now());
      verdict.log) {
    spdlog::warn("sparkplug: {} refused: {}{}", loggable(topic), loggable(why, 400),
                 held_back_note(verdict.held_back));
  }
}

}  // namespace iotgw::gateway
