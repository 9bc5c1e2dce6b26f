#include "drivers/modbus/plan.hpp"

#include <algorithm>
#include <numeric>
#include <string>

namespace iotgw::drivers::modbus {
namespace {

using config::RegisterKind;

bool is_bit_kind(RegisterKind kind) {
  return kind == RegisterKind::coil || kind == RegisterKind::discrete;
}

// Registers or bits a point occupies: one bit for coils and discrete inputs.
std::size_t span_of(const config::Point& point) {
  return is_bit_kind(point.register_kind)
             ? 1
             : static_cast<std::size_t>(std::max(1, config::register_count(point)));
}

struct Candidate {
  std::size_t index;
  std::size_t begin;
  std::size_t end;  // exclusive
};

// Greedy merge over points sorted by address: a point joins the current
// request while the hole before it is at most max_gap and the request stays
// within the limit; a point never straddles two requests.
void plan_kind(RegisterKind kind, std::vector<Candidate> candidates, std::size_t limit,
               std::size_t max_gap, ReadPlan& plan) {
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::vector<std::pair<PlannedRead, std::vector<Candidate>>> groups;
  std::size_t group_begin = 0;
  std::size_t group_end = 0;
  for (const Candidate& candidate : candidates) {
    const bool fits = !groups.empty() && candidate.begin <= group_end + max_gap &&
                      std::max(group_end, candidate.end) - group_begin <= limit;
    if (!fits) {
      groups.emplace_back();
      groups.back().first.kind = kind;
      group_begin = candidate.begin;
      group_end = candidate.end;
    }
    group_end = std::max(group_end, candidate.end);
    PlannedRead& read = groups.back().first;
    read.address = static_cast<std::uint16_t>(group_begin);
    read.quantity = static_cast<std::uint16_t>(group_end - group_begin);
    read.points.push_back(PointSlice{candidate.index,
                                     static_cast<std::uint16_t>(candidate.begin - group_begin),
                                     static_cast<std::uint16_t>(candidate.end - candidate.begin)});
  }
  for (auto& group : groups) {
    plan.reads.push_back(std::move(group.first));
  }
}

}  // namespace

std::uint16_t register_limit(const config::Device& device) {
  return static_cast<std::uint16_t>(
      std::clamp<int>(device.max_registers, 1, pdu::max_read_registers));
}

ReadPlan plan_reads(const config::Device& device) {
  std::vector<std::size_t> all(device.points.size());
  std::iota(all.begin(), all.end(), std::size_t{0});
  return plan_reads(device, all);
}

ReadPlan plan_reads(const config::Device& device, std::span<const std::size_t> points) {
  ReadPlan plan;
  const std::size_t max_gap = static_cast<std::size_t>(std::max(0, device.max_gap));
  for (const RegisterKind kind :
       {RegisterKind::holding, RegisterKind::input, RegisterKind::coil, RegisterKind::discrete}) {
    const std::size_t limit = is_bit_kind(kind) ? pdu::max_read_bits : register_limit(device);
    std::vector<Candidate> candidates;
    for (const std::size_t index : points) {
      if (index >= device.points.size()) {
        continue;
      }
      const config::Point& point = device.points[index];
      if (point.register_kind != kind) {
        continue;
      }
      const std::size_t begin = point.address;
      const std::size_t end = begin + span_of(point);
      if (end > 0x10000) {
        plan.rejected.push_back(
            {index, make_error(Errc::unplannable_point, point.name + " runs past address 65535")});
      } else if (end - begin > limit) {
        plan.rejected.push_back(
            {index, make_error(Errc::unplannable_point,
                               point.name + " needs " + std::to_string(end - begin) +
                                   " registers, more than one request reads (" +
                                   std::to_string(limit) + ")")});
      } else {
        candidates.push_back({index, begin, end});
      }
    }
    plan_kind(kind, std::move(candidates), limit, max_gap, plan);
  }
  return plan;
}

pdu::Request PlannedRead::request() const {
  switch (kind) {
    case RegisterKind::coil:
      return pdu::ReadCoils{address, quantity};
    case RegisterKind::discrete:
      return pdu::ReadDiscreteInputs{address, quantity};
    case RegisterKind::input:
      return pdu::ReadInputRegisters{address, quantity};
    case RegisterKind::holding:
      break;
  }
  return pdu::ReadHoldingRegisters{address, quantity};
}

Result<Value> extract(const config::Point& point, const PointSlice& slice,
                      const pdu::Response& response) {
  const std::size_t end = static_cast<std::size_t>(slice.offset) + slice.count;
  if (const auto* bits = std::get_if<pdu::BitsRead>(&response)) {
    if (end > bits->bits.size()) {
      return make_error(Errc::malformed_response, "response holds fewer bits than planned");
    }
    return Value{static_cast<bool>(bits->bits[slice.offset])};
  }
  if (const auto* words = std::get_if<pdu::RegistersRead>(&response)) {
    if (end > words->registers.size()) {
      return make_error(Errc::malformed_response, "response holds fewer registers than planned");
    }
    return decode_registers(point, std::span(words->registers).subspan(slice.offset, slice.count));
  }
  return make_error(Errc::malformed_response, "a write confirmation carries no point values");
}

}  // namespace iotgw::drivers::modbus
