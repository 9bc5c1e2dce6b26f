// iotgw run as a service: one App on the running configuration, replaced by a
// new one on SIGHUP when the file on disk is valid (and kept, unchanged, when
// it is not); stopped on SIGTERM or SIGINT; systemd told of each step, and its
// watchdog fed only while ProgressWatchdog finds the pipeline progressing. The
// HTTP endpoint (http.listen) outlives each App: it shows the running one's
// state and the health by the watchdog's rule, judged every second.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/config.hpp"
#include "gateway/app.hpp"
#include "gateway/homeassistant_discovery.hpp"
#include "gateway/http_server.hpp"
#include "gateway/progress_watchdog.hpp"
#include "gateway/status.hpp"

namespace iotgw::gateway {

class Service {
 public:
  // log_level, when set, overrides gateway.log_level across reloads.
  Service(boost::asio::io_context& io, std::filesystem::path file, config::Config config,
          std::optional<config::LogLevel> log_level);

  // Starts the App and listens for signals; io.run() then runs the service
  // until it stops.
  void start();
  // The process's exit status once io.run() returned.
  int exit_status() const { return status_; }

 private:
  enum class State { starting, running, reloading, stopping };

  // retired: Home Assistant entities the previous configuration announced
  // and this one does not.
  void start_app(std::vector<DiscoveryMessage> retired = {});
  void wait_for_stop();
  void wait_for_reload();
  void reload();
  void switch_to(std::unique_ptr<config::Config> next);
  void stop();
  // Judges the health every interval; feeds systemd's watchdog with it when
  // systemd asked for one.
  void check_health(std::chrono::microseconds interval, bool feed_systemd);
  ProgressWatchdog::Sample progress() const;
  // (Re)starts the endpoint on config_->http; logs why when it cannot.
  void start_http();
  HttpServer::Response answer(std::string_view path) const;
  Status status() const;

  boost::asio::io_context& io_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::filesystem::path file_;
  std::unique_ptr<config::Config> config_;  // the App refers to it: replaced only with the App
  std::optional<config::LogLevel> log_level_;
  std::unique_ptr<App> app_;
  boost::asio::signal_set stop_signals_;
  boost::asio::signal_set reload_signals_;
  boost::asio::steady_timer watchdog_timer_;
  std::optional<ProgressWatchdog> watchdog_;
  bool watchdog_fed_ = true;  // the last check's verdict, to log changes only
  ProgressWatchdog::Verdict health_;
  bool checking_health_ = false;
  std::unique_ptr<HttpServer> http_;
  State state_ = State::starting;
  std::chrono::steady_clock::time_point switch_started_;  // of the reload in progress
  bool reload_pending_ = false;  // SIGHUP while starting or switching: reload once done
  bool stop_pending_ = false;    // SIGTERM while starting or switching: stop once done
  int status_ = 0;
};

}  // namespace iotgw::gateway
