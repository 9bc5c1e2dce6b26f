// Talking to systemd when it started us (Type=notify): readiness, reloads,
// status lines, stopping, and the watchdog. Every call does nothing without
// NOTIFY_SOCKET, so the same binary runs by hand unchanged.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace iotgw::gateway {

void notify_ready(std::string_view status);
// A reload (SIGHUP) began; notify_ready tells when it ended, taken or not.
void notify_reloading();
void notify_status(std::string_view status);
void notify_stopping();
void notify_watchdog();

// The interval at which to send WATCHDOG=1 (half of WatchdogSec=), if systemd
// asked for it.
std::optional<std::chrono::microseconds> watchdog_interval();

}  // namespace iotgw::gateway
