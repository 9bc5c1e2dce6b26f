// Event: the connection changed state. On `disconnected` the I/O layer closes
// the transport (if still open) and schedules a reconnect; `reason` says why.
#pragma once

#include <optional>
#include <string>

#include "bridge/mqtt/packet/connack.hpp"

namespace iotgw::mqtt {

enum class connection_state {
  disconnected,
  connecting,  // CONNECT sent, waiting for CONNACK
  connected,
};

struct state_changed {
  connection_state state;
  bool session_present = false;         // with `connected`
  std::optional<connack_code> refusal;  // the broker refused the CONNECT
  std::string reason;

  friend bool operator==(const state_changed&, const state_changed&) = default;
};

}  // namespace iotgw::mqtt
