// What a reload (SIGHUP) may change. Everything may, except where the store
// lives: the running store still holds the readings not yet delivered, and a
// new path would leave them behind in the old file, so that needs a restart.
#pragma once

#include "config/config.hpp"
#include "gateway/error.hpp"

namespace iotgw::gateway {

// Success when the service may switch from running to next; otherwise
// Errc::store_moves with why it may not.
Result<> reload_allowed(const config::Config& running, const config::Config& next);

// Whether the running status topic (on its broker) is left behind by next, so
// that it must be closed with "offline" before the switch; otherwise the
// retained "online" stays and the new connection confirms it.
bool status_moves(const config::Config& running, const config::Config& next);

}  // namespace iotgw::gateway
