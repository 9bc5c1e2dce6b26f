// Register planning: which requests read a device's points, and where each
// point sits in the responses.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "drivers/modbus/plan.hpp"

namespace iotgw::drivers::modbus {
namespace {

using config::RegisterKind;
using config::ValueType;

config::Point make_point(RegisterKind kind, std::uint16_t address,
                         ValueType type = ValueType::uint16) {
  config::Point p;
  p.name = "p" + std::to_string(address);
  p.register_kind = kind;
  p.address = address;
  p.type = type;
  return p;
}

config::Device device_with(std::vector<config::Point> points, int max_gap = 8,
                           int max_registers = 125) {
  config::Device device;
  device.name = "dev";
  device.max_gap = max_gap;
  device.max_registers = max_registers;
  device.points = std::move(points);
  return device;
}

struct Span {
  RegisterKind kind;
  std::uint16_t address;
  std::uint16_t quantity;
  bool operator==(const Span&) const = default;
};

std::vector<Span> spans(const ReadPlan& plan) {
  std::vector<Span> out;
  for (const auto& read : plan.reads) {
    out.push_back({read.kind, read.address, read.quantity});
  }
  return out;
}

void PrintTo(const Span& s, std::ostream* os) {
  *os << "{kind " << static_cast<int>(s.kind) << ", " << s.address << "+" << s.quantity << "}";
}

constexpr auto H = RegisterKind::holding;

TEST(ModbusPlan, AdjacentPointsShareOneRequest) {
  const auto device = device_with(
      {make_point(H, 0), make_point(H, 1, ValueType::float32), make_point(H, 3, ValueType::int16)});
  const auto plan = plan_reads(device);
  EXPECT_EQ(spans(plan), (std::vector<Span>{{H, 0, 4}}));
  ASSERT_EQ(plan.reads[0].points.size(), 3U);
  EXPECT_EQ(plan.reads[0].points[1], (PointSlice{1, 1, 2}));
  EXPECT_EQ(plan.reads[0].points[2], (PointSlice{2, 3, 1}));
  EXPECT_TRUE(plan.rejected.empty());
}

TEST(ModbusPlan, GapsUpToMaxGapAreReadThrough) {
  // Point at 0 ends at 1; a point at 9 leaves a hole of 8 registers: merged.
  auto plan = plan_reads(device_with({make_point(H, 0), make_point(H, 9)}, 8));
  EXPECT_EQ(spans(plan), (std::vector<Span>{{H, 0, 10}}));
  EXPECT_EQ(plan.reads[0].points[1].offset, 9);
  // A hole of 9 is one too many.
  plan = plan_reads(device_with({make_point(H, 0), make_point(H, 10)}, 8));
  EXPECT_EQ(spans(plan), (std::vector<Span>{{H, 0, 1}, {H, 10, 1}}));
  // max_gap 0 merges only touching points.
  plan = plan_reads(device_with({make_point(H, 0), make_point(H, 1), make_point(H, 3)}, 0));
  EXPECT_EQ(spans(plan), (std::vector<Span>{{H, 0, 2}, {H, 3, 1}}));
}

TEST(ModbusPlan, UnsortedPointsAreSortedByAddress) {
  const auto plan =
      plan_reads(device_with({make_point(H, 19), make_point(H, 2), make_point(H, 10)}, 8));
  EXPECT_EQ(spans(plan), (std::vector<Span>{{H, 2, 18}}));
  ASSERT_EQ(plan.reads[0].points.size(), 3U);
  EXPECT_EQ(plan.reads[0].points[0].point, 1U);  // address 2 first
  EXPECT_EQ(plan.reads[0].points[2].point, 0U);  // address 19 last
}

TEST(ModbusPlan, DeviceLimitSplitsRequests) {
  std::vector<config::Point> points;
  for (std::uint16_t a = 0; a < 12; ++a) {
    points.push_back(make_point(H, a));
  }
  const auto plan = plan_reads(device_with(points, 8, 10));
  EXPECT_EQ(spans(plan), (std::vector<Span>{{H, 0, 10}, {H, 10, 2}}));
  EXPECT_EQ(register_limit(device_with({}, 8, 500)), 125);
  EXPECT_EQ(register_limit(device_with({}, 8, 0)), 1);
}

TEST(ModbusPlan, SixtyFourBitPointNeverStraddlesTheLimit) {
  // 0..120 would fit, but the int64 at 122 needs 122..125, one past 125 registers.
  const auto plan = plan_reads(device_with(
      {make_point(H, 0), make_point(H, 120), make_point(H, 122, ValueType::int64)}, 200));
  EXPECT_EQ(spans(plan), (std::vector<Span>{{H, 0, 121}, {H, 122, 4}}));
  ASSERT_EQ(plan.reads.size(), 2U);
  EXPECT_EQ(plan.reads[1].points[0], (PointSlice{2, 0, 4}));
  // At 121 it ends at 125 exactly and fits.
  const auto fits =
      plan_reads(device_with({make_point(H, 0), make_point(H, 121, ValueType::uint64)}, 200));
  EXPECT_EQ(spans(fits), (std::vector<Span>{{H, 0, 125}}));
}

TEST(ModbusPlan, KindsAreNeverMixed) {
  const auto plan = plan_reads(device_with({
      make_point(RegisterKind::discrete, 0, ValueType::boolean),
      make_point(RegisterKind::coil, 1, ValueType::boolean),
      make_point(RegisterKind::input, 0),
      make_point(H, 1),
      make_point(RegisterKind::coil, 0, ValueType::boolean),
      make_point(H, 0),
  }));
  EXPECT_EQ(spans(plan), (std::vector<Span>{{H, 0, 2},
                                            {RegisterKind::input, 0, 1},
                                            {RegisterKind::coil, 0, 2},
                                            {RegisterKind::discrete, 0, 1}}));
  EXPECT_EQ(pdu::function_code(plan.reads[0].request()), 0x03);
  EXPECT_EQ(pdu::function_code(plan.reads[1].request()), 0x04);
  EXPECT_EQ(pdu::function_code(plan.reads[2].request()), 0x01);
  EXPECT_EQ(pdu::function_code(plan.reads[3].request()), 0x02);
}

TEST(ModbusPlan, BitsMergeUpTo2000) {
  constexpr auto C = RegisterKind::coil;
  auto plan = plan_reads(device_with(
      {make_point(C, 0, ValueType::boolean), make_point(C, 1999, ValueType::boolean)}, 5000));
  EXPECT_EQ(spans(plan), (std::vector<Span>{{C, 0, 2000}}));
  plan = plan_reads(device_with(
      {make_point(C, 0, ValueType::boolean), make_point(C, 2000, ValueType::boolean)}, 5000));
  EXPECT_EQ(spans(plan), (std::vector<Span>{{C, 0, 1}, {C, 2000, 1}}));
  // The device's register limit does not apply to bits.
  plan = plan_reads(device_with(
      {make_point(C, 0, ValueType::boolean), make_point(C, 50, ValueType::boolean)}, 100, 10));
  EXPECT_EQ(spans(plan), (std::vector<Span>{{C, 0, 51}}));
}

TEST(ModbusPlan, OverlappingPointsShareRegisters) {
  auto low = make_point(H, 5, ValueType::boolean);
  low.bit = 0;
  auto high = make_point(H, 5, ValueType::boolean);
  high.bit = 15;
  const auto plan = plan_reads(device_with({low, high, make_point(H, 5)}));
  EXPECT_EQ(spans(plan), (std::vector<Span>{{H, 5, 1}}));
  EXPECT_EQ(plan.reads[0].points.size(), 3U);
}

TEST(ModbusPlan, PointsNoRequestCanReadAreRejected) {
  auto long_string = make_point(H, 0, ValueType::string);
  long_string.length = 300;  // 150 registers
  auto past_end = make_point(H, 65534, ValueType::uint32);
  past_end.address = 65535;
  auto too_wide_for_device = make_point(H, 10, ValueType::float64);
  const auto plan = plan_reads(
      device_with({long_string, past_end, too_wide_for_device, make_point(H, 100)}, 8, 2));
  EXPECT_EQ(spans(plan), (std::vector<Span>{{H, 100, 1}}));
  ASSERT_EQ(plan.rejected.size(), 3U);
  EXPECT_EQ(plan.rejected[0].point, 0U);
  EXPECT_EQ(plan.rejected[0].error.code, Errc::unplannable_point);
  EXPECT_EQ(plan.rejected[1].point, 1U);
  EXPECT_EQ(plan.rejected[2].point, 2U);
}

TEST(ModbusPlan, SubsetOfPoints) {
  const auto device =
      device_with({make_point(H, 0), make_point(H, 1), make_point(H, 50), make_point(H, 51)});
  const std::vector<std::size_t> wanted{2, 3};
  const auto plan = plan_reads(device, wanted);
  EXPECT_EQ(spans(plan), (std::vector<Span>{{H, 50, 2}}));
  EXPECT_EQ(plan.reads[0].points[0].point, 2U);
}

TEST(ModbusPlan, ExtractDecodesEachPointFromItsSlice) {
  auto temperature = make_point(H, 1, ValueType::float32);
  auto status = make_point(H, 0, ValueType::boolean);
  status.bit = 1;
  const auto device = device_with({temperature, status, make_point(H, 3, ValueType::int16)});
  const auto plan = plan_reads(device);
  ASSERT_EQ(plan.reads.size(), 1U);
  const pdu::Response response{pdu::RegistersRead{{
      0x0002,          // register 0: bit 1 set
      0x41AC, 0x0000,  // registers 1-2: 21.5f
      0xFFFF,          // register 3: -1
  }}};
  std::vector<Value> values(3);
  for (const auto& slice : plan.reads[0].points) {
    auto value = extract(device.points[slice.point], slice, response);
    ASSERT_TRUE(value.has_value()) << value.error().message();
    values[slice.point] = value.value();
  }
  EXPECT_EQ(values[0], Value{21.5});
  EXPECT_EQ(values[1], Value{true});
  EXPECT_EQ(values[2], Value{std::int64_t{-1}});

  const pdu::Response too_short{pdu::RegistersRead{{0x0002}}};
  EXPECT_FALSE(extract(device.points[0], plan.reads[0].points[1], too_short).has_value());
}

TEST(ModbusPlan, ExtractBits) {
  constexpr auto C = RegisterKind::coil;
  const auto device =
      device_with({make_point(C, 10, ValueType::boolean), make_point(C, 12, ValueType::boolean)});
  const auto plan = plan_reads(device);
  ASSERT_EQ(plan.reads.size(), 1U);
  const pdu::Response response{pdu::BitsRead{{false, true, true}}};
  EXPECT_EQ(extract(device.points[0], plan.reads[0].points[0], response).value(), Value{false});
  EXPECT_EQ(extract(device.points[1], plan.reads[0].points[1], response).value(), Value{true});
}

}  // namespace
}  // namespace iotgw::drivers::modbus
