// What the drivers hand to the gateway: one Reading per point per poll (or per
// received line), carrying a typed value or the reason there is none.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "drivers/boot_clock.hpp"
#include "drivers/modbus/value.hpp"

namespace iotgw::drivers {

using modbus::Value;

// Why a reading has no value, or "good".
struct Quality {
  enum class Kind : std::uint8_t {
    good,
    timeout,         // the device did not answer in time
    crc_error,       // answers arrived but failed the checksum
    exception,       // the device answered with a Modbus exception
    port_down,       // the serial port or TCP connection is not usable
    bad_value,       // the answer arrived but the point's bytes do not decode
    protocol_error,  // the answer does not fit the request (function, count or echo)
  };

  Kind kind = Kind::good;
  std::uint8_t exception_code = 0;  // for Kind::exception

  bool is_good() const { return kind == Kind::good; }
  friend bool operator==(const Quality&, const Quality&) = default;
};

// "good", "timeout", "crc_error", "exception:illegal_data_address", "port_down",
// "bad_value", "protocol_error".
std::string to_string(Quality quality);

struct Reading {
  // Both point into the loaded configuration, which outlives every driver.
  const config::Device* device = nullptr;
  const config::Point* point = nullptr;
  std::optional<Value> value;  // set exactly when quality is good
  Quality quality;
  std::chrono::system_clock::time_point wall_time;    // for the payload's "ts"
  std::chrono::steady_clock::time_point steady_time;  // for deadbands and heartbeats
  BootClock::time_point boot_time;  // to correct wall_time once the wall clock is right
};

using ReadingSink = std::function<void(const Reading&)>;

// Called after the last reading of one poll of a device (of a line device: of
// one line), so that the readings of one poll can be published together.
using PollEndSink = std::function<void(const config::Device&)>;

// Gives every point of the bus a reading with quality port_down, stamped now:
// what a bus reports once when its port or connection goes. Each device's
// readings count as one poll, ended through poll_end when it is set.
void report_port_down(const config::Bus& bus, const ReadingSink& sink,
                      const PollEndSink& poll_end = {});

}  // namespace iotgw::drivers
