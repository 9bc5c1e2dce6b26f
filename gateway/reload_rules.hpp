// What a reload (SIGHUP) may change. Everything may, except where the store
// lives: the running store still holds the readings not yet delivered, and a
// new path would leave them behind in the old file, so that needs a restart.
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"

namespace iotgw::gateway {

// Why the service cannot switch from running to next, or nothing when it can.
std::optional<std::string> reload_refusal(const config::Config& running,
                                          const config::Config& next);

// Whether the running status topic (on its broker) is left behind by next, so
// that it must be closed with "offline" before the switch; otherwise the
// retained "online" stays and the new connection confirms it.
bool status_moves(const config::Config& running, const config::Config& next);

}  // namespace iotgw::gateway
