// The Modbus master transaction core, sans-I/O: one transaction at a time per
// bus. Bytes and time come in as arguments; bytes to send, timer requests,
// completions and counter changes leave as events. The Asio layer owns the
// port or socket and the timers and pumps between them and this class.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "config/config.hpp"
#include "drivers/modbus/counters.hpp"
#include "drivers/modbus/event.hpp"
#include "drivers/modbus/framing.hpp"
#include "drivers/modbus/response_framer.hpp"
#include "drivers/modbus/timing.hpp"

namespace iotgw::drivers::modbus {

struct MasterOptions {
  const Framing* framing = &rtu_framing;
  Micros response_timeout{200'000};
  int retries = 1;  // further attempts after a timeout
  Micros frame_gap{0};
  // Time one character takes on the wire, to know when a request has left the
  // port (the response timeout and the quiet line start from there). 0 on TCP.
  Micros character_time{0};
  // Serial line spec 2.4.1: after a broadcast the master waits this long
  // before the next request, to give every slave time to act on it.
  Micros turnaround_delay{100'000};
};

// Options for a [[bus]] section: framing by protocol, timeout, retries, and the
// frame gap and character time of a serial bus.
MasterOptions master_options(const config::Bus& bus);

class Master {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  explicit Master(const MasterOptions& options);

  // Starts a transaction. Refused at once (a completion with an error, no bytes
  // sent) when one is in progress or the request breaks the protocol's limits.
  std::vector<Event> command(Transaction transaction, TimePoint now);
  // Bytes received from the transport.
  std::vector<Event> feed(std::span<const std::uint8_t> bytes, TimePoint now);
  // A timer the core asked for expired. Stale expiries are ignored.
  std::vector<Event> on_timer(event::TimerKind kind, TimePoint now);
  // The serial port has been silent for t3.5 (RTU only).
  std::vector<Event> on_silence(TimePoint now);
  // The transport was closed or reopened: buffered bytes are dropped and a
  // transaction in progress fails with transport_reset.
  std::vector<Event> on_transport_reset(TimePoint now);

  bool busy() const { return state_ != State::idle; }
  DeviceCounters counters(std::uint8_t unit) const;
  const DeviceCounters& unattributed_counters() const { return unattributed_; }

 private:
  enum class State { idle, waiting_gap, awaiting_response, broadcast_turnaround };

  struct Active {
    Transaction transaction;
    Bytes pdu;
    int attempts = 0;
    bool broadcast = false;
  };

  // The events of one call, and which counters it changed.
  struct Output {
    std::vector<Event> events;
    std::vector<std::optional<std::uint8_t>> dirty;
  };

  void start_attempt(TimePoint now, Output& out);
  void send(TimePoint now, Output& out);
  void take_framer_output(const FramerOutput& framed, Output& out);
  void complete(Result<pdu::Response> result, Output& out);
  DeviceCounters& counters_for(std::optional<std::uint8_t> unit, Output& out);
  std::optional<std::uint8_t> attributed_unit() const;
  TimePoint quiet_at(TimePoint now) const;
  void note_activity(TimePoint at);
  std::vector<Event> finish(Output& out);

  MasterOptions options_;
  ResponseFramer framer_;
  State state_ = State::idle;
  std::optional<Active> active_;
  TimePoint deadline_{};  // of the timer that the current state waits for
  std::optional<TimePoint> last_activity_;
  std::uint16_t transaction_id_ = 0;
  std::map<std::uint8_t, DeviceCounters> counters_;
  DeviceCounters unattributed_;
};

}  // namespace iotgw::drivers::modbus
