// Everything the session core asks of its caller, in the order it must happen.
#pragma once

#include <variant>
#include <vector>

#include "bridge/mqtt/event/command_rejected.hpp"
#include "bridge/mqtt/event/message_dropped.hpp"
#include "bridge/mqtt/event/message_received.hpp"
#include "bridge/mqtt/event/publish_completed.hpp"
#include "bridge/mqtt/event/send.hpp"
#include "bridge/mqtt/event/state_changed.hpp"
#include "bridge/mqtt/event/subscription_completed.hpp"
#include "bridge/mqtt/event/timer.hpp"

namespace iotgw::mqtt {

using event =
    std::variant<send, timer_set, timer_cancel, state_changed, publish_completed, message_received,
                 message_dropped, subscribe_completed, unsubscribe_completed, command_rejected>;

using events = std::vector<event>;

}  // namespace iotgw::mqtt
