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
#include "bridge/mqtt/event/version_fallback.hpp"

namespace iotgw::bridge::mqtt {

using Event = std::variant<event::Send, event::TimerSet, event::TimerCancel, event::StateChanged,
                           event::PublishCompleted, event::MessageReceived, event::MessageDropped,
                           event::SubscribeCompleted, event::UnsubscribeCompleted,
                           event::CommandRejected, event::VersionFallback>;

using Events = std::vector<Event>;

}  // namespace iotgw::bridge::mqtt
