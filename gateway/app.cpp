#include "gateway/app.hpp"

#include <filesystem>
#include <fstream>
#include <system_error>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "bridge/sparkplug/timestamps.hpp"
#include "config/names.hpp"
#include "config/topic_template.hpp"
#include "config/units.hpp"
#include "gateway/json_text.hpp"
#include "gateway/kernel_clock.hpp"
#include "gateway/version.hpp"

namespace iotgw::gateway {
namespace {

using namespace std::chrono_literals;
using bridge::mqtt::packet::PropertyId;

// Slots of the MQTT in-flight window kept free of telemetry, so that the birth
// message and command results go out at once even when a backlog fills the rest.
constexpr std::uint32_t reserved_inflight = 4;

// The telemetry's share of the in-flight window.
std::size_t telemetry_window(const config::Config& config) {
  return config.mqtt.inflight > 2 * reserved_inflight
             ? config.mqtt.inflight - reserved_inflight
             : std::max<std::uint32_t>(1, config.mqtt.inflight / 2);
}

// The rest is the results' and the status's; with a window of one, they share it.
bridge::forwarder::MqttPublisher::Limits publisher_limits(const config::Config& config) {
  return {.window = config.mqtt.inflight,
          .reserved = std::max<std::size_t>(1, config.mqtt.inflight - telemetry_window(config))};
}

bridge::forwarder::MessageSettings telemetry_settings(const config::Config& config) {
  return {.expiry = std::chrono::ceil<std::chrono::seconds>(config.telemetry.expiry),
          .json = config.telemetry.payload != config::PayloadFormat::value};
}

// Lines a peer can cause: a burst of this many per interval, then a count.
constexpr std::size_t peer_log_burst = 20;
constexpr auto peer_log_interval = 60s;

bridge::store::StoreOptions store_options(const config::Config& config) {
  bridge::store::StoreOptions options;
  // The forwarder has up to a window unacknowledged, reads half a window
  // ahead and holds acks back (fewer than half a window) to hand them over
  // together: the store hands out up to twice its window, so that it never
  // makes the forwarder wait. Acknowledged rows not deleted yet, the
  // duplicates a crash may bring, are fewer than a window: half of one held
  // in the forwarder, half of one in the store.
  options.core.window = 2 * telemetry_window(config);
  options.delete_batch = std::max<std::size_t>(1, telemetry_window(config) / 2);
  options.expiry = config.telemetry.expiry;
  options.core.boot_id = boot_id();
  if (config.sparkplug.enabled) {
    // Every time in a DDATA moves with the correction of its first reading's.
    // Sparkplug has no mark for an unsynchronised time: such data goes as it is.
    options.core.restamp = [](bridge::store::Message& message,
                              std::optional<std::chrono::system_clock::time_point> corrected) {
      if (corrected) {
        const auto delta =
            std::chrono::duration_cast<std::chrono::milliseconds>(*corrected - message.enqueued);
        bridge::sparkplug::shift_timestamps(message.payload, delta.count());
        message.enqueued = *corrected;
      }
    };
    return options;
  }
  options.core.restamp = [format = config.telemetry.payload](
                             bridge::store::Message& message,
                             std::optional<std::chrono::system_clock::time_point> corrected) {
    restamp(format, message, corrected);
  };
  return options;
}

ClockWatch::Sources kernel_clocks() {
  return {.synchronised = wall_clock_synchronised,
          .wall = [] { return std::chrono::system_clock::now(); },
          .boot = [] { return drivers::BootClock::now(); }};
}

// Home Assistant's births announce the entities again at most this often.
constexpr auto homeassistant_reannounce_interval = 5s;

std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// How often the clock is asked while readings wait for it.
constexpr auto clock_check_interval = 1s;

// Resident memory in KiB, from /proc/self/statm.
std::uint64_t resident_kib() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages = 0;
  std::uint64_t resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)) / 1024;
}

// How long the goodbye ("offline") may wait for its acknowledgement.
constexpr auto goodbye_timeout = 3s;

}  // namespace

App::App(boost::asio::io_context& io, const config::Config& config,
         std::chrono::steady_clock::time_point started, std::vector<DiscoveryMessage> retired)
    : io_(io),
      config_(config),
      started_(started),
      telemetry_(config),
      commands_(config),
      store_(io.get_executor(), config.store, store_options(config)),
      appender_(io.get_executor(), store_,
                [this](bridge::store::error_code error, std::span<const bridge::store::Seq> seqs) {
                  on_appended(error, seqs);
                }),
      uplink_(config.sparkplug.enabled ? SparkplugNode::uplink_settings(config) : config.mqtt),
      client_(io.get_executor(), uplink_,
              {.in_flight_ends_with_connection = config.sparkplug.enabled}),
      publisher_(client_, publisher_limits(config), telemetry_settings(config)),
      forwarder_(io.get_executor(), store_, publisher_, telemetry_window(config),
                 config.sparkplug.enabled),
      discovery_(std::move(retired)),
      homeassistant_status_(config.homeassistant.discovery_prefix + "/status"),
      announce_timer_(io),
      clock_(kernel_clocks(), config.telemetry.clock_hold),
      clock_timer_(io),
      metrics_timer_(io),
      stop_timer_(io),
      command_log_(peer_log_burst, peer_log_interval),
      result_log_(peer_log_burst, peer_log_interval) {
  if (config.sparkplug.enabled) {
    sparkplug_ =
        std::make_unique<SparkplugNode>(io, config, client_, publisher_, forwarder_,
                                        [this](const SparkplugWrite& checked) { write(checked); });
  }
  for (const config::Bus& bus : config.buses) {
    for (const config::Device& device : bus.devices) {
      device_readings_[&device].first_point = last_readings_.size();
      last_readings_.resize(last_readings_.size() + device.points.size());
    }
  }
  std::vector<DiscoveryMessage> announced = discovery_messages(config);
  discovery_.insert(discovery_.end(), std::make_move_iterator(announced.begin()),
                    std::make_move_iterator(announced.end()));
}

void App::start(std::function<void(std::string)> ready) {
  // systemd's StateDirectory= makes it for the service; by hand it may be missing.
  std::error_code error;
  std::filesystem::create_directories(config_.store.path.parent_path(), error);
  if (error) {
    ready("cannot create " + config_.store.path.parent_path().string() + ": " + error.message());
    return;
  }
  store_.async_open([this, ready = std::move(ready)](bridge::store::error_code opened) {
    if (opened) {
      ready("cannot open the store " + config_.store.path.string() + ": " + opened.message());
      return;
    }
    watch_clock();
    start_buses();
    client_.on_state(
        [this](const bridge::mqtt::io::ConnectionEvent& event) { on_connection(event); });
    client_.on_message([this](const bridge::mqtt::packet::Publish& message) {
      if (sparkplug_) {
        sparkplug_->on_message(message);
        return;
      }
      if (config_.homeassistant.enabled && message.topic == homeassistant_status_) {
        // Home Assistant started again: it learns the entities anew.
        if (std::string_view(reinterpret_cast<const char*>(message.payload.data()),
                             message.payload.size()) == "online") {
          on_homeassistant_online();
        }
        return;
      }
      on_command(message);
    });
    if (config_.homeassistant.enabled) {
      client_.subscribe(
          {{.filter = homeassistant_status_,
            .qos = bridge::mqtt::packet::Qos::at_least_once,
            .no_local = true}},
          [this](
              const bridge::mqtt::Result<std::vector<bridge::mqtt::packet::ReasonCode>>& granted) {
            if (!granted || bridge::mqtt::packet::is_failure(granted->front())) {
              spdlog::warn("mqtt: the broker refused the subscription {}", homeassistant_status_);
            }
          });
    }
    if (sparkplug_) {
      sparkplug_->start();
    } else if (config_.commands.enabled) {
      // No Local (MQTT 5): the gateway's own results are not sent back to
      // it; 5.0 3.8.3.1 forbids it on a shared subscription.
      client_.subscribe(
          {{.filter = config_.commands.topic,
            .qos = bridge::mqtt::packet::Qos::at_least_once,
            .no_local = !config_.commands.topic.starts_with("$share/")}},
          [this](
              const bridge::mqtt::Result<std::vector<bridge::mqtt::packet::ReasonCode>>& granted) {
            if (!granted || bridge::mqtt::packet::is_failure(granted->front())) {
              spdlog::error("mqtt: the broker refused the command subscription {}",
                            config_.commands.topic);
            }
          });
    }
    client_.start();
    forwarder_.start();
    if (!sparkplug_ && config_.telemetry.metrics_interval > config::Duration::zero()) {
      metrics_timer_.expires_after(config_.telemetry.metrics_interval);
      metrics_timer_.async_wait([this](boost::system::error_code cancelled) {
        if (!cancelled) {
          publish_metrics();
        }
      });
    }
    ready("");
  });
}

void App::watch_clock() {
  const bool first = !clock_checked_;
  clock_checked_ = true;
  if (const std::optional<bridge::store::ClockRelease> release = clock_.check()) {
    store_.release_held(*release);
  }
  if (clock_.trusted()) {
    if (!first) {
      spdlog::info(
          "the wall clock is synchronised now: readings held for it go out with their "
          "true time");
    }
    return;
  }
  if (first) {
    spdlog::warn("the wall clock is not synchronised (the kernel says): {}",
                 clock_.holds() && carries_time(config_.telemetry.payload)
                     ? "readings are held up to telemetry.clock_hold = " +
                           config::format_duration(config_.telemetry.clock_hold) +
                           " for a true time"
                     : std::string("readings go out with the time they have"));
  }
  clock_timer_.expires_after(clock_check_interval);
  clock_timer_.async_wait([this](boost::system::error_code cancelled) {
    if (!cancelled) {
      watch_clock();
    }
  });
}

void App::start_buses() {
  const auto sink = [this](const drivers::Reading& reading) { on_reading(reading); };
  const auto poll_end = [this](const config::Device& device) { on_poll_end(device); };
  modbus_buses_.resize(config_.buses.size());
  for (std::size_t b = 0; b < config_.buses.size(); ++b) {
    const config::Bus& bus = config_.buses[b];
    if (bus.protocol == config::Protocol::line) {
      line_buses_.push_back(
          std::make_unique<drivers::line::io::LineBus>(io_.get_executor(), bus, sink, poll_end));
      line_buses_.back()->start();
    } else {
      modbus_buses_[b] =
          std::make_unique<drivers::modbus::io::ModbusBus>(io_.get_executor(), bus, sink, poll_end);
      modbus_buses_[b]->start();
    }
  }
}

// Calls stopped once every bus has stopped and its coroutines have returned.
void App::stop_buses(std::function<void()> stopped) {
  auto left = std::make_shared<std::size_t>(1);
  auto one_done = [left, stopped = std::move(stopped)] {
    if (--*left == 0) {
      stopped();
    }
  };
  for (auto& bus : line_buses_) {
    ++*left;
    bus->stop(one_done);
  }
  for (auto& bus : modbus_buses_) {
    if (bus) {
      ++*left;
      bus->stop(one_done);
    }
  }
  one_done();
}

void App::stop(bool goodbye, std::function<void()> done) {
  // The buses stop at once; the App is done only when they have also returned.
  auto parts_left = std::make_shared<int>(2);
  auto part_done = [parts_left, done = std::move(done)] {
    if (--*parts_left == 0) {
      done();
    }
  };
  stop_buses(part_done);
  // A poll cut short still had readings: they are queued as they are.
  for (const DevicePolls::Poll& poll : polls_.end_all()) {
    queue_poll(poll);
  }
  appender_.flush();
  metrics_timer_.cancel();
  clock_timer_.cancel();
  announce_timer_.cancel();
  if (sparkplug_) {
    sparkplug_->stop();
  }
  forwarder_.stop();
  auto finish =
      std::make_shared<std::function<void()>>([this, part_done = std::move(part_done)]() mutable {
        stop_timer_.cancel();
        client_.stop([this, part_done = std::move(part_done)]() mutable {
          publisher_.stop();
          store_.async_stop(std::move(part_done));
        });
      });
  auto once = [finish] {
    if (*finish) {
      auto run = std::exchange(*finish, {});
      run();
    }
  };
  if (!goodbye || !client_.connected()) {
    once();
    return;
  }
  // The goodbye: "offline", retained, acknowledged before the DISCONNECT that
  // keeps the broker from sending the will; not waited for longer than a bound.
  stop_timer_.expires_after(goodbye_timeout);
  stop_timer_.async_wait([once](boost::system::error_code cancelled) {
    if (!cancelled) {
      once();
    }
  });
  if (sparkplug_) {
    sparkplug_->publish_death(once);
    return;
  }
  publish_status(config_.mqtt.will.payload, once);
}

void App::on_reading(const drivers::Reading& reading) {
  ++counters_.readings;
  DeviceReadings& device = device_readings_.at(reading.device);
  ++device.count;
  last_readings_[device.first_point +
                 static_cast<std::size_t>(reading.point - reading.device->points.data())] = {
      reading.value, reading.quality, reading.steady_time};
  if (sparkplug_) {
    sparkplug_->observe(reading);
  }
  if (!filter_.should_publish(reading)) {
    ++counters_.suppressed;
    return;
  }
  if (sparkplug_ || telemetry_.per_device()) {
    queue_poll(polls_.add(reading));
    return;
  }
  const bool backlog = in_backlog();
  std::optional<TelemetryMessage> telemetry = telemetry_.message(reading, backlog);
  if (!telemetry) {
    ++counters_.suppressed;
    return;
  }
  queue(telemetry->topic, as_bytes(telemetry->payload), reading, backlog);
}

// device_json and Sparkplug: the readings of the poll that passed report by
// exception go out as one message; a poll where none did sends nothing.
void App::on_poll_end(const config::Device& device) {
  if (sparkplug_) {
    sparkplug_->on_poll_end(device);
  }
  if (sparkplug_ || telemetry_.per_device()) {
    queue_poll(polls_.end(device));
  }
}

void App::queue_poll(const DevicePolls::Poll& poll) {
  const bool backlog = in_backlog();
  if (sparkplug_) {
    if (std::optional<SparkplugData> data = sparkplug_->data_message(poll, backlog)) {
      queue(data->topic, data->payload, poll.front(), backlog);
    }
    return;
  }
  if (std::optional<TelemetryMessage> telemetry = telemetry_.device_message(poll, backlog)) {
    queue(telemetry->topic, as_bytes(telemetry->payload), poll.front(), backlog);
  }
}

// Sparkplug: data taken while the node may not speak (no connection, no
// births yet, the primary host offline) is historical.
bool App::in_backlog() const {
  return sparkplug_ ? !sparkplug_->live() : !client_.connected();
}

// `taken`: the reading (of a device_json poll: the first) whose time the
// message carries. `backfill`: taken while the uplink was down, so part of a
// backlog. Taken before the wall clock was first synchronised, it is held in
// the store for a true time, or sent at once marked (clock_hold = "0s").
void App::queue(std::string_view topic, std::span<const std::uint8_t> payload,
                const drivers::Reading& taken, bool backfill) {
  bridge::store::Message message;
  message.topic = topic;
  message.payload.assign(payload.begin(), payload.end());
  message.qos = static_cast<std::uint8_t>(config_.mqtt.qos);
  message.enqueued = taken.wall_time;
  message.backfill = backfill;
  message.boot_time = taken.boot_time.time_since_epoch();
  if (!clock_.trusted()) {
    if (clock_.holds() && (sparkplug_ || carries_time(config_.telemetry.payload))) {
      message.clock = bridge::store::WallClock::held;
    } else {
      restamp(config_.telemetry.payload, message, std::nullopt);
      message.clock = bridge::store::WallClock::unsynchronised;
    }
  }
  appender_.append(std::move(message));
}

void App::on_appended(bridge::store::error_code error, std::span<const bridge::store::Seq> seqs) {
  if (error) {
    counters_.dropped += seqs.size();
    counters_.failed += seqs.size();
    return;
  }
  for (const bridge::store::Seq seq : seqs) {
    ++(seq != 0 ? counters_.queued : counters_.dropped);
  }
}

ProgressWatchdog::Sample App::progress(std::chrono::steady_clock::time_point now) const {
  const bridge::forwarder::Forwarder::Counters& forwarded = forwarder_.counters();
  const bridge::store::Counters queue = store_.counters();
  return {.now = now,
          .oldest_store_request = appender_.oldest_waiting(),
          // Data a Sparkplug node may not send yet (births under way, the
          // primary host offline) waits as for an unreachable broker.
          .connected = client_.connected() && (!sparkplug_ || sparkplug_->live()),
          .queued_rows = queue.rows,
          .held_rows = queue.clock_held,
          .forwarded = forwarded.published + forwarded.delivered + forwarded.undelivered +
                       forwarded.rejected,
          .connections = client_.counters().connects};
}

void App::on_connection(const bridge::mqtt::io::ConnectionEvent& event) {
  // The client logs connections and their ends itself.
  store_.set_uplink(event.connected);
  if (sparkplug_) {
    sparkplug_->on_connection(event);
    return;
  }
  if (!event.connected) {
    return;
  }
  // The birth message: the same topic as the will, retained, so that "offline"
  // left by a lost connection is replaced.
  publish_status("online");
  announce();
  publisher_.connected();
}

void App::on_command(const bridge::mqtt::packet::Publish& message) {
  ++counters_.commands;
  const std::string_view payload(reinterpret_cast<const char*>(message.payload.data()),
                                 message.payload.size());
  // MQTT 5 request/response: the result goes where the command says, with
  // the sender's Correlation Data (5.0 4.10).
  const auto response_topic = message.properties.string(PropertyId::response_topic);
  std::vector<std::uint8_t> correlation;
  if (const auto data = message.properties.binary(PropertyId::correlation_data)) {
    correlation.assign(data->begin(), data->end());
  }
  ParsedCommand parsed = commands_.parse(
      message.topic, payload, message.retain,
      clock_.trusted() ? std::optional(std::chrono::system_clock::now()) : std::nullopt,
      response_topic);
  if (const auto* ignored = std::get_if<NotACommand>(&parsed)) {
    spdlog::debug("command topic {} ignored: {}", message.topic, ignored->reason);
    return;
  }
  if (const auto* refusal = std::get_if<Refusal>(&parsed)) {
    ++counters_.refused;
    if (const LogLimiter::Verdict verdict = command_log_.check(std::chrono::steady_clock::now());
        verdict.log) {
      spdlog::warn("command on {} refused: {}{}", loggable(message.topic),
                   loggable(refusal->error, 400), held_back_note(verdict.held_back));
    }
    // A refused Response Topic is answered on …/result, without the
    // Correlation Data, which belongs to the reply address refused.
    const bool to_response_topic = response_topic && refusal->result_topic == *response_topic;
    publish_result(refusal->result_topic, error_result(refusal->id, refusal->error),
                   to_response_topic ? std::move(correlation) : std::vector<std::uint8_t>{});
    return;
  }
  auto command = std::make_shared<Command>(std::move(std::get<Command>(parsed)));
  if (const auto* read = std::get_if<ReadCommand>(&command->action)) {
    drivers::modbus::io::ModbusBus* bus = modbus_buses_[read->device.bus].get();
    if (bus == nullptr) {
      publish_result(command->result_topic,
                     error_result(command->id, "line devices cannot be polled; they send"),
                     std::move(correlation));
      return;
    }
    bus->read_now(read->device.device);
    publish_result(command->result_topic, ok_result(*command), std::move(correlation));
    return;
  }
  const auto& set = std::get<SetCommand>(command->action);
  drivers::modbus::io::ModbusBus* bus = modbus_buses_[set.device.bus].get();
  bus->write(
      set.device.device, set.point, set.value,
      [this, command,
       correlation = std::move(correlation)](const drivers::modbus::Result<>& written) mutable {
        const auto& done = std::get<SetCommand>(command->action);
        const config::Device& device = config_.buses[done.device.bus].devices[done.device.device];
        if (const LogLimiter::Verdict verdict =
                command_log_.check(std::chrono::steady_clock::now());
            verdict.log) {
          spdlog::log(written ? spdlog::level::info : spdlog::level::warn,
                      "command: set {}.{} to {}: {}{}", device.name, device.points[done.point].name,
                      loggable(drivers::modbus::to_string(done.value)),
                      written ? "done" : written.error().message(),
                      held_back_note(verdict.held_back));
        }
        publish_result(command->result_topic,
                       written ? ok_result(*command, done.value)
                               : error_result(command->id, written.error().message()),
                       std::move(correlation));
      });
}

// A DCMD's write, checked by the node: logged like a command's; once done,
// the device is read at once so that its new value goes out (Sparkplug has
// no result message).
void App::write(const SparkplugWrite& checked) {
  drivers::modbus::io::ModbusBus* bus = modbus_buses_[checked.device.bus].get();
  const config::Device& device = config_.buses[checked.device.bus].devices[checked.device.device];
  const config::Point& point = device.points[checked.point];
  if (bus == nullptr) {
    spdlog::warn("sparkplug: DCMD for {}.{} refused: line devices cannot be written", device.name,
                 point.name);
    return;
  }
  ++counters_.commands;
  bus->write(checked.device.device, checked.point, checked.value,
             [this, bus, &device, &point, checked](const drivers::modbus::Result<>& written) {
               if (const LogLimiter::Verdict verdict =
                       command_log_.check(std::chrono::steady_clock::now());
                   verdict.log) {
                 spdlog::log(written ? spdlog::level::info : spdlog::level::warn,
                             "sparkplug: DCMD set {}.{} to {}: {}{}", device.name, point.name,
                             loggable(drivers::modbus::to_string(checked.value)),
                             written ? "done" : written.error().message(),
                             held_back_note(verdict.held_back));
               }
               if (written) {
                 bus->read_now(checked.device.device);
               }
             });
}

void App::publish_result(const std::string& topic, std::string payload,
                         std::vector<std::uint8_t> correlation) {
  bridge::store::Message message{
      .topic = topic,
      .payload = {payload.begin(), payload.end()},
      .qos = static_cast<std::uint8_t>(bridge::mqtt::packet::Qos::at_least_once)};
  std::vector<bridge::mqtt::packet::Property> properties;
  bridge::forwarder::add_json_properties(properties);
  if (!correlation.empty()) {
    properties.push_back({PropertyId::correlation_data, std::move(correlation)});
  }
  if (!publisher_.publish_control(
          std::move(message), false, [](bridge::forwarder::Outcome) {}, std::move(properties))) {
    ++counters_.results_dropped;
    if (const LogLimiter::Verdict verdict = result_log_.check(std::chrono::steady_clock::now());
        verdict.log) {
      spdlog::warn("command result for {} dropped: {} results already wait for the broker{}", topic,
                   publisher_.control_waiting(), held_back_note(verdict.held_back));
    }
  }
}

void App::publish_status(std::string_view payload, std::function<void()> done) {
  bridge::store::Message message{.topic = config_.mqtt.will.topic,
                                 .payload = {payload.begin(), payload.end()},
                                 .qos = static_cast<std::uint8_t>(config_.mqtt.will.qos),
                                 .retain = config_.mqtt.will.retain};
  publisher_.publish_control(std::move(message), true,
                             [done = std::move(done)](bridge::forwarder::Outcome) {
                               if (done) {
                                 done();
                               }
                             });
}

void App::announce() {
  last_announcement_ = std::chrono::steady_clock::now();
  discovery_next_ = 0;
  publish_discovery();
}

// Home Assistant's birth: at most one announcement per
// homeassistant_reannounce_interval, so that a flood of "online" costs no more
// than one; a birth within it is answered when it ends.
void App::on_homeassistant_online() {
  const auto due = last_announcement_ + homeassistant_reannounce_interval;
  if (std::chrono::steady_clock::now() >= due) {
    announce();
    return;
  }
  if (announce_timer_armed_) {
    return;
  }
  announce_timer_armed_ = true;
  announce_timer_.expires_at(due);
  announce_timer_.async_wait([this](boost::system::error_code cancelled) {
    announce_timer_armed_ = false;
    if (!cancelled) {
      announce();
    }
  });
}

void App::publish_discovery() {
  constexpr std::size_t at_once = 32;
  while (discovery_waiting_ < at_once && discovery_next_ < discovery_.size()) {
    const DiscoveryMessage& next = discovery_[discovery_next_];
    bridge::store::Message message{
        .topic = next.topic,
        .payload = {next.payload.begin(), next.payload.end()},
        .qos = static_cast<std::uint8_t>(bridge::mqtt::packet::Qos::at_least_once),
        .retain = true};
    // Counted first: the publisher may complete it before it returns.
    ++discovery_waiting_;
    ++discovery_next_;
    if (!publisher_.publish_control(std::move(message), false,
                                    [this](bridge::forwarder::Outcome outcome) {
                                      --discovery_waiting_;
                                      if (outcome != bridge::forwarder::Outcome::undelivered) {
                                        publish_discovery();
                                      }
                                    })) {
      // The control queue is full: the next completion goes on from here.
      --discovery_waiting_;
      --discovery_next_;
      return;
    }
  }
}

// Metrics describe the present: while disconnected there is nothing to send them to.
void App::publish_metrics() {
  if (client_.connected()) {
    const std::string topic =
        config::expand_topic("{prefix}/{gateway}/metrics",
                             {.prefix = config_.mqtt.topic_prefix, .gateway = config_.gateway.id});
    const std::string payload = metrics_json();
    std::vector<bridge::mqtt::packet::Property> properties;
    bridge::forwarder::add_json_properties(properties);
    // QoS 0 and at once, or not at all: the next metrics message replaces it.
    if (const bridge::mqtt::Result<> accepted = client_.publish(
            {.topic = topic,
             .payload =
                 std::span(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()),
             .properties = properties},
            [](const auto&) {});
        !accepted) {
      spdlog::debug("metrics not sent: {}", accepted.error().reason);
    }
  }
  metrics_timer_.expires_after(config_.telemetry.metrics_interval);
  metrics_timer_.async_wait([this](boost::system::error_code cancelled) {
    if (!cancelled) {
      publish_metrics();
    }
  });
}

std::string App::metrics_json() const {
  const bridge::store::Counters queue = store_.counters();
  const bridge::mqtt::io::ClientCounters& uplink = client_.counters();
  nlohmann::ordered_json metrics;
  metrics["readings"] = counters_.readings;
  metrics["suppressed"] = counters_.suppressed;
  metrics["published"] = forwarder_.counters().delivered;
  metrics["queued"] = queue.rows;
  metrics["queued_bytes"] = queue.bytes;
  metrics["oldest_queued_s"] =
      queue.oldest_enqueued
          ? std::chrono::duration<double>(std::chrono::system_clock::now() - *queue.oldest_enqueued)
                .count()
          : 0.0;
  // The store counts what its bounds and a full disk dropped, refused
  // appends included; an append that failed otherwise is lost as well.
  metrics["evicted"] = queue.evicted + counters_.failed;
  metrics["reconnects"] = uplink.connects > 0 ? uplink.connects - 1 : 0;
  nlohmann::ordered_json urls = nlohmann::ordered_json::array();
  for (const config::Broker& broker : config_.mqtt.brokers) {
    urls.push_back(broker.url);
  }
  metrics["broker"] = {{"urls", std::move(urls)},
                       {"current", client_.broker_index()},
                       {"failovers", uplink.failovers}};
  metrics["commands"] = counters_.commands;
  metrics["commands_refused"] = counters_.refused;
  metrics["results_dropped"] = counters_.results_dropped;
  metrics["dropped_oversized"] = uplink.dropped_oversized;
  metrics["expired"] = forwarder_.counters().expired;
  nlohmann::ordered_json refused = nlohmann::ordered_json::object();
  for (const auto& [reason, count] : uplink.refused) {
    refused[std::string(to_string(reason))] = count;
  }
  metrics["refused"] = std::move(refused);
  nlohmann::ordered_json devices = nlohmann::ordered_json::object();
  for (std::size_t b = 0; b < config_.buses.size(); ++b) {
    if (!modbus_buses_[b]) {
      continue;
    }
    for (std::size_t d = 0; d < config_.buses[b].devices.size(); ++d) {
      const drivers::modbus::DeviceCounters device = modbus_buses_[b]->counters(d);
      devices[config_.buses[b].devices[d].name] = {{"requests", device.requests},
                                                   {"timeouts", device.timeouts},
                                                   {"crc_errors", device.crc_errors},
                                                   {"exceptions", device.exceptions}};
    }
  }
  metrics["devices"] = std::move(devices);
  nlohmann::ordered_json clock = {{"synchronised", clock_.trusted()}};
  if (const auto since = clock_.trusted_since()) {
    std::string stamp;
    append_timestamp(stamp, *since);
    clock["since"] = stamp;
  }
  clock["held"] = queue.clock_held;
  clock["corrected"] = queue.clock_corrected;
  clock["unsynced"] = queue.clock_unsynchronised;
  metrics["clock"] = std::move(clock);
  metrics["rss_kib"] = resident_kib();
  metrics["uptime_s"] =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_)
          .count();
  return metrics.dump();
}

Status App::status() const {
  const auto now = std::chrono::steady_clock::now();
  const bridge::store::Counters queue = store_.counters();
  const bridge::mqtt::io::ClientCounters& uplink = client_.counters();
  const bridge::forwarder::Forwarder::Counters& forwarded = forwarder_.counters();
  Status status;
  status.gateway_id = config_.gateway.id;
  status.version = version;
  status.uptime_s = std::chrono::duration<double>(now - started_).count();
  status.rss_bytes = resident_kib() * 1024;
  status.readings = counters_.readings;
  status.suppressed = counters_.suppressed;
  status.dropped = counters_.dropped;
  status.queue_rows = queue.rows;
  status.queue_bytes = queue.bytes;
  status.oldest_queued_age_s =
      std::chrono::duration<double>(queue.oldest_age(std::chrono::system_clock::now())).count();
  status.queued = counters_.queued;
  // As in the metrics message: a failed append is lost as well.
  status.evicted = queue.evicted + counters_.failed;
  status.fsyncs = queue.syncs;
  status.clock_held = queue.clock_held;
  status.connected = client_.connected();
  status.broker_index = client_.broker_index();
  status.broker = config_.mqtt.brokers[client_.broker_index()].url;
  status.reconnects = uplink.connects > 0 ? uplink.connects - 1 : 0;
  status.failovers = uplink.failovers;
  status.published = forwarded.published;
  status.acknowledged = forwarded.delivered;
  status.expired = forwarded.expired;
  status.rejected = forwarded.rejected;
  status.commands = counters_.commands;
  status.commands_refused = counters_.refused;
  status.clock_synchronised = clock_.trusted();
  for (std::size_t b = 0; b < config_.buses.size(); ++b) {
    const config::Bus& bus = config_.buses[b];
    for (std::size_t d = 0; d < bus.devices.size(); ++d) {
      const config::Device& device = bus.devices[d];
      DeviceStatus& shown = status.devices.emplace_back();
      shown.name = device.name;
      shown.bus = bus.name;
      shown.protocol = config::name_of(bus.protocol);
      const DeviceReadings& readings = device_readings_.at(&device);
      shown.readings = readings.count;
      if (modbus_buses_[b]) {
        const drivers::modbus::DeviceCounters counters = modbus_buses_[b]->counters(d);
        shown.requests = counters.requests;
        shown.timeouts = counters.timeouts;
        shown.crc_errors = counters.crc_errors;
        shown.exceptions = counters.exceptions;
      }
      for (std::size_t p = 0; p < device.points.size(); ++p) {
        const config::Point& point = device.points[p];
        const LastReading& last = last_readings_[readings.first_point + p];
        PointStatus& point_shown = shown.points.emplace_back();
        point_shown.name = point.name;
        point_shown.unit = point.unit;
        point_shown.writable = point.writable;
        point_shown.quality = "none";
        if (last.taken != std::chrono::steady_clock::time_point{}) {
          point_shown.value = last.value;
          point_shown.quality = drivers::to_string(last.quality);
          point_shown.age_s = std::chrono::duration<double>(now - last.taken).count();
        }
      }
    }
  }
  return status;
}

}  // namespace iotgw::gateway
