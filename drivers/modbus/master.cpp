#include "drivers/modbus/master.hpp"

#include <algorithm>
#include <string>

namespace iotgw::drivers::modbus {
namespace {

using event::TimerKind;

// Serial line spec 2.2: 0 is the broadcast address, 1..247 are slave addresses.
constexpr std::uint8_t broadcast_unit = 0;
constexpr std::uint8_t max_serial_unit = 247;

// What a broadcast write did, as there is no echo to decode.
struct BroadcastSummary {
  pdu::WriteConfirmed operator()(const pdu::WriteSingleCoil& r) const { return {r.address, 1}; }
  pdu::WriteConfirmed operator()(const pdu::WriteSingleRegister& r) const { return {r.address, 1}; }
  pdu::WriteConfirmed operator()(const pdu::WriteMultipleCoils& r) const {
    return {r.address, static_cast<std::uint16_t>(r.values.size())};
  }
  pdu::WriteConfirmed operator()(const pdu::WriteMultipleRegisters& r) const {
    return {r.address, static_cast<std::uint16_t>(r.values.size())};
  }
  // Reads are refused before they can be broadcast.
  pdu::WriteConfirmed operator()(const auto&) const { return {}; }
};

Micros until(Master::TimePoint deadline, Master::TimePoint now) {
  return std::chrono::ceil<Micros>(deadline - now);
}

}  // namespace

MasterOptions master_options(const config::Bus& bus) {
  MasterOptions options;
  options.framing = &framing_for(bus.protocol);
  options.response_timeout = std::chrono::duration_cast<Micros>(bus.timeout);
  options.retries = std::max(0, bus.retries);
  options.frame_gap = frame_gap(bus);
  options.character_time =
      bus.protocol == config::Protocol::modbus_rtu ? character_time(bus) : Micros{0};
  return options;
}

Master::Master(const MasterOptions& options) : options_(options), framer_(*options.framing) {}

DeviceCounters Master::counters(std::uint8_t unit) const {
  const auto found = counters_.find(unit);
  return found == counters_.end() ? DeviceCounters{} : found->second;
}

DeviceCounters& Master::counters_for(std::optional<std::uint8_t> unit, Output& out) {
  if (std::find(out.dirty.begin(), out.dirty.end(), unit) == out.dirty.end()) {
    out.dirty.push_back(unit);
  }
  return unit ? counters_[*unit] : unattributed_;
}

// Bytes received while a transaction runs belong to its device; otherwise to nobody.
std::optional<std::uint8_t> Master::attributed_unit() const {
  if (active_) {
    return active_->transaction.unit;
  }
  return std::nullopt;
}

Master::TimePoint Master::quiet_at(TimePoint now) const {
  return last_activity_ ? std::max(now, *last_activity_ + options_.frame_gap) : now;
}

void Master::note_activity(TimePoint at) {
  last_activity_ = last_activity_ ? std::max(*last_activity_, at) : at;
}

std::vector<Event> Master::finish(Output& out) {
  for (const auto& unit : out.dirty) {
    out.events.emplace_back(event::CountersChanged{unit, unit ? counters_[*unit] : unattributed_});
  }
  return std::move(out.events);
}

std::vector<Event> Master::command(Transaction transaction, TimePoint now) {
  Output out;
  const auto refuse = [&](Error error) {
    out.events.emplace_back(
        event::TransactionCompleted{std::move(transaction), std::move(error), 0});
    return finish(out);
  };
  if (state_ != State::idle) {
    return refuse(make_error(Errc::busy, "a transaction is already in progress on this bus"));
  }
  auto pdu = pdu::encode_request(transaction.request);
  if (!pdu) {
    return refuse(pdu.error());
  }
  const bool serial_addressing = options_.framing->supports_broadcast;
  if (serial_addressing && transaction.unit > max_serial_unit) {
    return refuse(make_error(Errc::invalid_request,
                             "unit id " + std::to_string(transaction.unit) + " outside 0..247"));
  }
  const bool broadcast = serial_addressing && transaction.unit == broadcast_unit;
  if (broadcast && !pdu::is_write(transaction.request)) {
    return refuse(make_error(Errc::invalid_request, "only writes can be broadcast (unit 0)"));
  }
  active_ = Active{std::move(transaction), std::move(pdu).value(), 0, broadcast};
  start_attempt(now, out);
  return finish(out);
}

// Serial line spec 2.5.1.1: a frame may start only after t3.5 of silence, so
// the request waits until the line has been quiet for the frame gap.
void Master::start_attempt(TimePoint now, Output& out) {
  const TimePoint ready = quiet_at(now);
  if (ready <= now) {
    send(now, out);
    return;
  }
  state_ = State::waiting_gap;
  deadline_ = ready;
  out.events.emplace_back(event::SetTimer{TimerKind::frame_gap, until(ready, now)});
}

void Master::send(TimePoint now, Output& out) {
  Active& active = *active_;
  active.attempts += 1;
  transaction_id_ = static_cast<std::uint16_t>(transaction_id_ + 1);
  const std::uint8_t unit = active.transaction.unit;
  Bytes adu = options_.framing->encode_adu(unit, transaction_id_, active.pdu);
  const Micros transmit = options_.character_time * static_cast<Micros::rep>(adu.size());
  note_activity(now + transmit);
  counters_for(unit, out).requests += 1;
  out.events.emplace_back(event::SendBytes{std::move(adu)});
  if (active.broadcast) {
    state_ = State::broadcast_turnaround;
    deadline_ = now + transmit + options_.turnaround_delay;
    out.events.emplace_back(
        event::SetTimer{TimerKind::turnaround, transmit + options_.turnaround_delay});
    return;
  }
  framer_.expect({unit, transaction_id_, pdu::function_code(active.transaction.request)});
  state_ = State::awaiting_response;
  deadline_ = now + transmit + options_.response_timeout;
  out.events.emplace_back(
      event::SetTimer{TimerKind::response_timeout, transmit + options_.response_timeout});
}

void Master::complete(Result<pdu::Response> result, Output& out) {
  out.events.emplace_back(event::TransactionCompleted{std::move(active_->transaction),
                                                      std::move(result), active_->attempts});
  active_.reset();
  state_ = State::idle;
  framer_.cancel_expectation();
}

void Master::take_framer_output(const FramerOutput& framed, Output& out) {
  const FramerStats& stats = framed.stats;
  if (stats.any()) {
    DeviceCounters& counters = counters_for(attributed_unit(), out);
    counters.discarded_bytes += stats.discarded_bytes;
    counters.crc_errors += stats.crc_errors;
    counters.unexpected_frames += stats.wrong_unit + stats.wrong_transaction + stats.wrong_protocol;
  }
  if (framed.pdu && state_ == State::awaiting_response) {
    out.events.emplace_back(event::CancelTimer{TimerKind::response_timeout});
    auto response = pdu::decode_response(active_->transaction.request, *framed.pdu);
    DeviceCounters& counters = counters_for(active_->transaction.unit, out);
    counters.responses += 1;
    if (!response) {
      if (response.error().is_exception()) {
        counters.exceptions += 1;
      } else {
        counters.protocol_errors += 1;
      }
    }
    complete(std::move(response), out);
  }
  if (stats.desynchronised) {
    const auto flushed = framer_.flush();
    counters_for(attributed_unit(), out).discarded_bytes += flushed.stats.discarded_bytes;
    out.events.emplace_back(event::ResetTransport{"impossible MBAP header from the peer"});
    if (active_) {
      if (state_ == State::awaiting_response) {
        out.events.emplace_back(event::CancelTimer{TimerKind::response_timeout});
      }
      complete(make_error(Errc::transport_reset, "the response stream lost its framing"), out);
    }
  }
}

std::vector<Event> Master::feed(std::span<const std::uint8_t> bytes, TimePoint now) {
  Output out;
  if (!bytes.empty()) {
    note_activity(now);
  }
  FramerOutput framed = framer_.feed(bytes);
  if (framed.pdu && state_ == State::awaiting_response) {
    // The reply ends the exchange: the request was on the wire before it,
    // whatever its estimated transmission time says (a pty or an adapter
    // with its own buffer takes a request at once).
    last_activity_ = now;
  }
  take_framer_output(framed, out);
  return finish(out);
}

std::vector<Event> Master::on_silence(TimePoint) {
  Output out;
  take_framer_output(framer_.on_silence(), out);
  return finish(out);
}

std::vector<Event> Master::on_timer(TimerKind kind, TimePoint now) {
  Output out;
  switch (kind) {
    case TimerKind::frame_gap:
      if (state_ == State::waiting_gap) {
        // Bytes that arrived meanwhile push the quiet point further out.
        start_attempt(now, out);
      }
      break;
    case TimerKind::response_timeout:
      if (state_ == State::awaiting_response && now >= deadline_) {
        counters_for(active_->transaction.unit, out).timeouts += 1;
        take_framer_output(framer_.abandon(), out);
        if (active_->attempts <= options_.retries) {
          start_attempt(now, out);
        } else {
          complete(make_error(Errc::timeout, "no response after " +
                                                 std::to_string(active_->attempts) + " attempt(s)"),
                   out);
        }
      }
      break;
    case TimerKind::turnaround:
      if (state_ == State::broadcast_turnaround && now >= deadline_) {
        complete(
            Result<pdu::Response>{std::visit(BroadcastSummary{}, active_->transaction.request)},
            out);
      }
      break;
  }
  return finish(out);
}

std::vector<Event> Master::on_transport_reset(TimePoint) {
  Output out;
  framer_.cancel_expectation();
  take_framer_output(framer_.flush(), out);
  if (active_) {
    if (state_ == State::awaiting_response) {
      out.events.emplace_back(event::CancelTimer{TimerKind::response_timeout});
    } else if (state_ == State::waiting_gap) {
      out.events.emplace_back(event::CancelTimer{TimerKind::frame_gap});
    } else if (state_ == State::broadcast_turnaround) {
      out.events.emplace_back(event::CancelTimer{TimerKind::turnaround});
    }
    complete(make_error(Errc::transport_reset, "the transport was reset"), out);
  }
  return finish(out);
}

}  // namespace iotgw::drivers::modbus
