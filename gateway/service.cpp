#include "gateway/service.hpp"

#include <fstream>
#include <malloc.h>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "config/load.hpp"
#include "gateway/logging.hpp"
#include "gateway/reload_rules.hpp"
#include "gateway/status_page.hpp"
#include "gateway/systemd_notify.hpp"

namespace iotgw::gateway {
namespace {

using namespace std::chrono_literals;

// An append waits for its group commit, at most commit_interval; past that,
// this much more means the store's thread is stuck rather than slow (an fsync
// on a tired SD card takes tens of milliseconds, not seconds). A reload waits
// for the store to commit and close within the same bound.
constexpr auto store_grace = 10s;

// A connected client notices a dead broker within 1.5 keepalives and
// reconnects; a connection that stays up for twice that without moving a
// queued message is wedged, not slow. Never less than a minute.
ProgressWatchdog::Duration forwarder_limit(const config::Config& config) {
  return std::max<ProgressWatchdog::Duration>(3 * config.mqtt.keepalive, 60s);
}

// How often the health is judged for /healthz when systemd asks less often.
constexpr std::chrono::microseconds health_interval = 1s;

std::string counters_text(const App::Counters& counters) {
  return fmt::format("{} readings, {} queued, {} dropped", counters.readings, counters.queued,
                     counters.dropped);
}

}  // namespace

Service::Service(boost::asio::io_context& io, std::filesystem::path file, config::Config config,
                 std::optional<config::LogLevel> log_level)
    : io_(io),
      file_(std::move(file)),
      config_(std::make_unique<config::Config>(std::move(config))),
      log_level_(log_level),
      stop_signals_(io, SIGTERM, SIGINT),
      reload_signals_(io, SIGHUP),
      watchdog_timer_(io) {}

void Service::start() {
  wait_for_stop();
  wait_for_reload();
  switch_started_ = std::chrono::steady_clock::now();
  start_app();
}

// Builds and starts an App on config_; READY=1 follows the start, and each
// start after a reload.
void Service::start_app(std::vector<DiscoveryMessage> retired) {
  const bool first = !watchdog_;
  app_ = std::make_unique<App>(io_, *config_, started_, std::move(retired));
  watchdog_.emplace(config_->store.commit_interval + store_grace, forwarder_limit(*config_));
  app_->start([this, first](const std::string& failure) {
    if (!failure.empty()) {
      spdlog::error("{}", failure);
      status_ = 1;
      io_.stop();
      return;
    }
    // The configuration's parse tree (megabytes for thousands of points) and
    // the opening of the store are over: without this glibc keeps their peak.
    ::malloc_trim(0);
    const std::string polling = "polling " + std::to_string(config_->buses.size()) + " buses";
    spdlog::info("store {} open; {}", config_->store.path.string(), polling);
    notify_ready(first ? polling : "configuration reloaded; " + polling);
    state_ = State::running;
    if (!checking_health_) {
      const std::optional<std::chrono::microseconds> systemd = watchdog_interval();
      if (systemd || config_->http.enabled()) {
        checking_health_ = true;
        check_health(systemd ? std::min(*systemd, health_interval) : health_interval,
                     systemd.has_value());
      }
    }
    start_http();
    if (stop_pending_) {
      stop();
    } else if (std::exchange(reload_pending_, false)) {
      reload();
    }
  });
}

void Service::wait_for_stop() {
  stop_signals_.async_wait([this](const boost::system::error_code& error, int signal) {
    if (error) {
      return;
    }
    spdlog::info("signal {} received, stopping", signal);
    stop_pending_ = true;
    if (state_ == State::running) {
      stop();
    }
  });
}

void Service::wait_for_reload() {
  reload_signals_.async_wait([this](const boost::system::error_code& error, int) {
    if (error) {
      return;
    }
    wait_for_reload();
    if (state_ == State::running) {
      reload();
    } else if (state_ != State::stopping) {
      spdlog::info("SIGHUP received while starting or reloading: reloading once that is done");
      reload_pending_ = true;
    }
  });
}

// Reads the file again; a file with errors changes nothing, a valid one
// replaces the App (see switch_to). systemd sees RELOADING=1, then READY=1
// either way.
void Service::reload() {
  spdlog::info("SIGHUP received: reloading {}", file_.string());
  notify_reloading();
  config::LoadResult loaded = config::load_file(file_);
  std::size_t errors = 0;
  for (const config::Diagnostic& diagnostic : loaded.diagnostics) {
    if (diagnostic.severity == config::Diagnostic::Severity::error) {
      ++errors;
      spdlog::error("{}", diagnostic.to_string());
    } else {
      spdlog::warn("{}", diagnostic.to_string());
    }
  }
  std::optional<std::string> refusal;
  if (!loaded.config) {
    refusal = fmt::format("{} error{} in {}", errors, errors == 1 ? "" : "s", file_.string());
  } else if (Result<> allowed = reload_allowed(*config_, *loaded.config); !allowed) {
    refusal = allowed.error().detail;
  }
  if (refusal) {
    spdlog::error("reload refused: {}; still running on the previous configuration, unchanged",
                  *refusal);
    notify_ready("reload refused: " + *refusal + "; running on the previous configuration");
    return;
  }
  switch_to(std::make_unique<config::Config>(std::move(*loaded.config)));
}

// Stops the running App as a SIGTERM would, except that "offline" is published
// only when the status topic moves (otherwise the retained "online" stays):
// polling stops, every reading taken is appended and committed, the client
// disconnects, the store closes. Then the new App starts on the new
// configuration; the rows not yet acknowledged go out again (at least once).
void Service::switch_to(std::unique_ptr<config::Config> next) {
  state_ = State::reloading;
  switch_started_ = std::chrono::steady_clock::now();
  const bool goodbye = status_moves(*config_, *next);
  auto shared_next = std::make_shared<std::unique_ptr<config::Config>>(std::move(next));
  app_->stop(goodbye, [this, shared_next] {
    spdlog::info("previous configuration stopped: {}", counters_text(app_->counters()));
    // Not from within the App's own completion: destroy it on a later turn.
    boost::asio::post(io_, [this, shared_next] {
      app_.reset();
      std::vector<DiscoveryMessage> retired = retired_discovery(*config_, **shared_next);
      config_ = std::move(*shared_next);
      setup_logging(log_level_.value_or(config_->gateway.log_level));
      spdlog::info(
          "starting on the new configuration from {} (every key but store.path may "
          "change on a reload; report by exception starts afresh)",
          file_.string());
      start_app(std::move(retired));
    });
  });
}

void Service::stop() {
  state_ = State::stopping;
  notify_stopping();
  watchdog_timer_.cancel();
  if (http_) {
    http_->stop();
  }
  stop_signals_.cancel();
  reload_signals_.cancel();
  app_->stop(true, [this] {
    spdlog::info("stopped: {}", counters_text(app_->counters()));
    io_.stop();
  });
}

ProgressWatchdog::Sample Service::progress() const {
  const auto now = std::chrono::steady_clock::now();
  if (state_ == State::running) {
    return app_->progress(now);
  }
  // Starting or switching: waiting for the store to open, or to commit and close.
  return {.now = now, .oldest_store_request = switch_started_};
}

// Runs on the event loop, so a stuck loop stops feeding by itself; the rest of
// the decision is ProgressWatchdog's.
void Service::check_health(std::chrono::microseconds interval, bool feed_systemd) {
  const ProgressWatchdog::Verdict verdict = watchdog_->check(progress());
  health_ = verdict;
  if (verdict.healthy) {
    if (feed_systemd) {
      notify_watchdog();
    }
    if (!std::exchange(watchdog_fed_, true)) {
      spdlog::info("watchdog: the pipeline moves again");
    }
  } else if (std::exchange(watchdog_fed_, false)) {
    spdlog::error("{}: {}", feed_systemd ? "watchdog: not fed" : "not healthy", verdict.reason);
  }
  if (feed_systemd && state_ == State::running) {
    const App::Counters& counters = app_->counters();
    notify_status(fmt::format("{}; {} in the queue; {} readings, {} dropped",
                              app_->connected() ? "connected" : "not connected",
                              app_->queue_depth(), counters.readings, counters.dropped));
  }
  watchdog_timer_.expires_after(interval);
  watchdog_timer_.async_wait(
      [this, interval, feed_systemd](const boost::system::error_code& cancelled) {
        if (!cancelled) {
          check_health(interval, feed_systemd);
        }
      });
}

// On every start and reload: a reload may move the endpoint or change its token.
void Service::start_http() {
  if (http_) {
    http_->stop();
    http_.reset();
  }
  const config::Http& http = config_->http;
  if (!http.enabled()) {
    return;
  }
  std::optional<std::string> token;
  if (!http.token_file.empty()) {
    token = read_token_file(http.token_file);
    if (!token || token->empty()) {
      spdlog::error("http: no endpoint: cannot read a token from {} (http.token_file)",
                    http.token_file.string());
      return;
    }
  }
  boost::system::error_code bad_address;
  const auto address = boost::asio::ip::make_address(http.address, bad_address);
  auto server = std::make_unique<HttpServer>(
      io_, boost::asio::ip::tcp::endpoint(address, http.port), std::move(token),
      [this](std::string_view path) { return answer(path); });
  if (const boost::system::error_code failed = bad_address ? bad_address : server->start()) {
    spdlog::error("http: no endpoint on {}: {}", http.listen, failed.message());
    return;
  }
  spdlog::info("http: status on http://{}/ (/metrics, /healthz, /api/status)", http.listen);
  http_ = std::move(server);
}

HttpServer::Response Service::answer(std::string_view path) const {
  if (path == "/metrics") {
    return {200, "text/plain; version=0.0.4; charset=utf-8", prometheus_text(status())};
  }
  if (path == "/healthz") {
    return health_.healthy
               ? HttpServer::Response{200, "text/plain; charset=utf-8", "ok\n"}
               : HttpServer::Response{503, "text/plain; charset=utf-8", health_.reason + "\n"};
  }
  if (path == "/api/status") {
    return {200, "application/json", status_json(status())};
  }
  if (path == "/") {
    return {200, "text/html; charset=utf-8", std::string(status_page_html())};
  }
  return {404, "text/plain; charset=utf-8", "not found\n"};
}

Status Service::status() const {
  Status status;
  if (state_ == State::running) {
    status = app_->status();
  } else {
    status.gateway_id = config_->gateway.id;
  }
  status.healthy = health_.healthy;
  status.health_reason = health_.reason;
  return status;
}

}  // namespace iotgw::gateway
