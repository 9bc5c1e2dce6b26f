// Everything the master core asks its caller to do or tells it happened.
#pragma once

#include <variant>

#include "drivers/modbus/event/counters_changed.hpp"
#include "drivers/modbus/event/reset_transport.hpp"
#include "drivers/modbus/event/send_bytes.hpp"
#include "drivers/modbus/event/timer.hpp"
#include "drivers/modbus/event/transaction_completed.hpp"

namespace iotgw::drivers::modbus {

using Event =
    std::variant<event::SendBytes, event::SetTimer, event::CancelTimer, event::TransactionCompleted,
                 event::CountersChanged, event::ResetTransport>;

}  // namespace iotgw::drivers::modbus
