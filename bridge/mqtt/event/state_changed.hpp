// Event: the connection changed state. On `disconnected` the I/O layer closes
// the transport (if still open) and schedules a reconnect; `reason` says why.
#pragma once

#include <optional>
#include <string>

#include "bridge/mqtt/packet/reason_code.hpp"

namespace iotgw::bridge::mqtt::event {

enum class ConnectionState {
  disconnected,
  connecting,  // CONNECT sent, waiting for CONNACK
  connected,
};

struct StateChanged {
  ConnectionState state;
  bool session_present = false;               // with `connected`
  std::optional<packet::ReasonCode> refusal;  // the broker refused the CONNECT
  std::string reason;

  friend bool operator==(const StateChanged&, const StateChanged&) = default;
};

}  // namespace iotgw::bridge::mqtt::event
