// Event: the broker refused MQTT 5 (CONNACK 0x84, a 3.1.1 CONNACK with
// return code 1, or a connection closed before any CONNACK), so the session
// speaks MQTT 3.1.1 from the next connect on, for the rest of its life.
#pragma once

#include <string>

namespace iotgw::bridge::mqtt::event {

struct VersionFallback {
  std::string reason;

  friend bool operator==(const VersionFallback&, const VersionFallback&) = default;
};

}  // namespace iotgw::bridge::mqtt::event
