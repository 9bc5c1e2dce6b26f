// The short description of a configuration that `iotgw check` prints: what will
// be polled, where it goes, and the topics in use.
#pragma once

#include <string>

#include "config/config.hpp"

namespace iotgw::gateway {

std::string summarize(const config::Config& config);

}  // namespace iotgw::gateway
