// Event: a transaction ended, with the decoded response or the reason it failed.
#pragma once

#include <cstdint>

#include "drivers/modbus/error.hpp"
#include "drivers/modbus/pdu/request.hpp"

namespace iotgw::drivers::modbus {

// A request for one device, with a caller's tag to match the completion to it.
struct Transaction {
  std::uint64_t tag = 0;
  std::uint8_t unit = 1;
  pdu::Request request;
};

namespace event {

struct TransactionCompleted {
  Transaction transaction;
  Result<pdu::Response> result;
  int attempts = 0;  // frames sent for it; 0 when it was refused before sending
};

}  // namespace event
}  // namespace iotgw::drivers::modbus
