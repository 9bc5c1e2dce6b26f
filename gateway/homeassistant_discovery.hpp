// Home Assistant MQTT discovery for the configured points: one retained
// config message per point, on
// {discovery_prefix}/{component}/{gateway}/{device}_{point}/config, that
// tells Home Assistant the entity's state topic and how to read it (for the
// configured payload format), its availability (the gateway's status topic),
// its unit and device class, and its device. A point that is `writable` (and
// commands are enabled) becomes a `number` or `switch` whose command topic is
// the point's …/set. An empty retained message on the same topic removes the
// entity.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace iotgw::gateway {

struct DiscoveryMessage {
  std::string topic;
  std::string payload;  // JSON; empty: remove the entity
};

// sensor, binary_sensor, number or switch.
std::string_view discovery_component(const config::Config& config, const config::Point& point);

std::string discovery_topic(const config::Config& config, const config::Device& device,
                            const config::Point& point);

// The device class Home Assistant gives a sensor of this unit, if any
// ("°C": temperature, "kWh": energy, ...).
std::string_view device_class_of_unit(std::string_view unit);

// Every point's config message, in configuration order, under
// homeassistant.discovery_prefix; none while discovery is not enabled.
std::vector<DiscoveryMessage> discovery_messages(const config::Config& config);

// The removals after a reload: the entities `before` announced that `after`
// does not (points gone, components changed, the prefix moved, discovery
// turned off).
std::vector<DiscoveryMessage> retired_discovery(const config::Config& before,
                                                const config::Config& after);

}  // namespace iotgw::gateway
