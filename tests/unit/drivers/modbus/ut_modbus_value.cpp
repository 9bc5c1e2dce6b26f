// The value codec: every type in every byte/word order, bits, strings, scale
// and offset, and the inverse encoding for writes with its range checks.
// Register values are written out by hand from the IEEE 754 / two's
// complement bit patterns.
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "drivers/modbus/value.hpp"

namespace iotgw::drivers::modbus {
namespace {

using config::ByteOrder;
using config::ValueType;
using Words = std::vector<std::uint16_t>;

config::Point point(ValueType type, ByteOrder order = ByteOrder::ABCD) {
  config::Point p;
  p.name = "p";
  p.type = type;
  p.byte_order = order;
  return p;
}

Value decoded(const config::Point& p, const Words& words) {
  auto result = decode_registers(p, words);
  EXPECT_TRUE(result.has_value()) << (result.has_value() ? "" : result.error().message());
  return result.has_value() ? result.value() : Value{std::string{"<error>"}};
}

Words encoded(const config::Point& p, const Value& value) {
  auto result = encode_registers(p, value);
  EXPECT_TRUE(result.has_value()) << (result.has_value() ? "" : result.error().message());
  return result.has_value() ? result.value() : Words{};
}

Error encode_error(const config::Point& p, const Value& value) {
  auto result = encode_registers(p, value);
  EXPECT_FALSE(result.has_value());
  return result.has_value() ? Error{} : result.error();
}

// One value in all four orders: decoding each layout gives the value, and
// encoding the value gives each layout back.
struct OrderCase {
  ValueType type;
  Value value;
  Words abcd, cdab, badc, dcba;
};

void check_all_orders(const OrderCase& c) {
  const std::pair<ByteOrder, const Words*> layouts[] = {{ByteOrder::ABCD, &c.abcd},
                                                        {ByteOrder::CDAB, &c.cdab},
                                                        {ByteOrder::BADC, &c.badc},
                                                        {ByteOrder::DCBA, &c.dcba}};
  for (const auto& [order, words] : layouts) {
    const auto p = point(c.type, order);
    EXPECT_EQ(decoded(p, *words), c.value) << "order " << static_cast<int>(order);
    EXPECT_EQ(encoded(p, c.value), *words) << "order " << static_cast<int>(order);
  }
}

TEST(ModbusValue, Int16AndUint16) {
  // 16-bit values: word order means nothing, BADC and DCBA swap the two bytes.
  check_all_orders({ValueType::int16, std::int64_t{-2},
                    /*ABCD*/ {0xFFFE}, /*CDAB*/ {0xFFFE}, /*BADC*/ {0xFEFF}, /*DCBA*/ {0xFEFF}});
  check_all_orders({ValueType::uint16, std::uint64_t{0x1234},
                    /*ABCD*/ {0x1234}, /*CDAB*/ {0x1234}, /*BADC*/ {0x3412}, /*DCBA*/ {0x3412}});
  EXPECT_EQ(decoded(point(ValueType::int16), {0x8000}), Value{std::int64_t{-32768}});
  EXPECT_EQ(decoded(point(ValueType::uint16), {0xFFFF}), Value{std::uint64_t{65535}});
}

TEST(ModbusValue, Int32AllOrders) {
  // -123456789 = 0xF8A432EB: bytes A=F8 B=A4 C=32 D=EB.
  check_all_orders({ValueType::int32, std::int64_t{-123456789},
                    /*ABCD*/ {0xF8A4, 0x32EB}, /*CDAB*/ {0x32EB, 0xF8A4},
                    /*BADC*/ {0xA4F8, 0xEB32}, /*DCBA*/ {0xEB32, 0xA4F8}});
}

TEST(ModbusValue, Uint32AllOrders) {
  check_all_orders({ValueType::uint32, std::uint64_t{0x12345678},
                    /*ABCD*/ {0x1234, 0x5678}, /*CDAB*/ {0x5678, 0x1234},
                    /*BADC*/ {0x3412, 0x7856}, /*DCBA*/ {0x7856, 0x3412}});
  EXPECT_EQ(decoded(point(ValueType::uint32), {0xFFFF, 0xFFFF}), Value{std::uint64_t{4294967295}});
}

TEST(ModbusValue, Float32AllOrders) {
  // 1.5f = 0x3FC00000.
  check_all_orders({ValueType::float32, 1.5,
                    /*ABCD*/ {0x3FC0, 0x0000}, /*CDAB*/ {0x0000, 0x3FC0},
                    /*BADC*/ {0xC03F, 0x0000}, /*DCBA*/ {0x0000, 0xC03F}});
  // 21.5f = 0x41AC0000.
  EXPECT_EQ(decoded(point(ValueType::float32), {0x41AC, 0x0000}), Value{21.5});
}

TEST(ModbusValue, Int64AllOrders) {
  // 0x0102030405060708: bytes 01..08, most significant first.
  check_all_orders({ValueType::int64, std::int64_t{0x0102030405060708},
                    /*ABCD*/ {0x0102, 0x0304, 0x0506, 0x0708},
                    /*CDAB*/ {0x0708, 0x0506, 0x0304, 0x0102},
                    /*BADC*/ {0x0201, 0x0403, 0x0605, 0x0807},
                    /*DCBA*/ {0x0807, 0x0605, 0x0403, 0x0201}});
  EXPECT_EQ(decoded(point(ValueType::int64), {0xFFFF, 0xFFFF, 0xFFFF, 0xFFFE}),
            Value{std::int64_t{-2}});
  EXPECT_EQ(decoded(point(ValueType::int64), {0x8000, 0x0000, 0x0000, 0x0000}),
            Value{std::numeric_limits<std::int64_t>::min()});
}

TEST(ModbusValue, Uint64AllOrders) {
  check_all_orders({ValueType::uint64, std::uint64_t{0xFEDCBA9876543210},
                    /*ABCD*/ {0xFEDC, 0xBA98, 0x7654, 0x3210},
                    /*CDAB*/ {0x3210, 0x7654, 0xBA98, 0xFEDC},
                    /*BADC*/ {0xDCFE, 0x98BA, 0x5476, 0x1032},
                    /*DCBA*/ {0x1032, 0x5476, 0x98BA, 0xDCFE}});
  EXPECT_EQ(decoded(point(ValueType::uint64), {0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF}),
            Value{std::numeric_limits<std::uint64_t>::max()});
}

TEST(ModbusValue, Float64AllOrders) {
  // -2.5 = 0xC004000000000000.
  check_all_orders({ValueType::float64, -2.5,
                    /*ABCD*/ {0xC004, 0x0000, 0x0000, 0x0000},
                    /*CDAB*/ {0x0000, 0x0000, 0x0000, 0xC004},
                    /*BADC*/ {0x04C0, 0x0000, 0x0000, 0x0000},
                    /*DCBA*/ {0x0000, 0x0000, 0x0000, 0x04C0}});
  // 1.0 = 0x3FF0000000000000.
  EXPECT_EQ(decoded(point(ValueType::float64), {0x3FF0, 0, 0, 0}), Value{1.0});
}

TEST(ModbusValue, ScaleAndOffset) {
  auto p = point(ValueType::int16);
  p.scale = 0.1;
  p.offset = -5.0;
  const Value v = decoded(p, {0x00FA});  // 250 * 0.1 - 5 = 20
  ASSERT_TRUE(std::holds_alternative<double>(v));
  EXPECT_DOUBLE_EQ(std::get<double>(v), 20.0);

  const Value negative = decoded(p, {0xFF38});  // -200 * 0.1 - 5 = -25
  EXPECT_DOUBLE_EQ(std::get<double>(negative), -25.0);

  auto f = point(ValueType::float32);
  f.scale = 2.0;
  f.offset = 1.0;
  EXPECT_EQ(decoded(f, {0x3FC0, 0x0000}), Value{4.0});  // 1.5 * 2 + 1
}

TEST(ModbusValue, DecimalScalesGiveTheNearestDoubleOfTheDecimalValue) {
  // 165 * 0.01 in binary is 1.6500000000000001 in a payload; 165 / 100 is the
  // double nearest 1.65, which prints as 1.65.
  auto p = point(ValueType::uint16);
  p.scale = 0.01;
  EXPECT_EQ(decoded(p, {165}), Value{1.65});
  p.scale = 0.1;
  EXPECT_EQ(decoded(p, {3}), Value{0.3});
  p.scale = 0.001;
  EXPECT_EQ(decoded(p, {1234}), Value{1.234});
  auto f = point(ValueType::float32);
  f.scale = 0.01;
  EXPECT_EQ(decoded(f, {0x4320, 0x0000}), Value{1.6});  // 160.0f / 100
}

TEST(ModbusValue, UnscaledIntegersStayIntegers) {
  EXPECT_TRUE(std::holds_alternative<std::int64_t>(decoded(point(ValueType::int32), {0, 1})));
  EXPECT_TRUE(std::holds_alternative<std::uint64_t>(decoded(point(ValueType::uint16), {1})));
}

TEST(ModbusValue, BitsOfARegister) {
  auto p = point(ValueType::boolean);
  p.bit = 3;
  EXPECT_EQ(decoded(p, {0x0008}), Value{true});
  EXPECT_EQ(decoded(p, {0xFFF7}), Value{false});
  p.bit = 15;
  EXPECT_EQ(decoded(p, {0x8000}), Value{true});
  p.bit = 16;
  EXPECT_FALSE(decode_registers(p, Words{0xFFFF}).has_value());
  p.bit.reset();  // the whole register: non-zero is true
  EXPECT_EQ(decoded(p, {0x0000}), Value{false});
  EXPECT_EQ(decoded(p, {0x0100}), Value{true});
}

TEST(ModbusValue, Strings) {
  auto p = point(ValueType::string);
  p.length = 5;
  // "HELLO": 'H'=48 'E'=45 'L'=4C 'O'=4F, two per register, high byte first.
  EXPECT_EQ(decoded(p, {0x4845, 0x4C4C, 0x4F00}), Value{std::string{"HELLO"}});
  EXPECT_EQ(encoded(p, std::string{"HELLO"}), (Words{0x4845, 0x4C4C, 0x4F00}));

  p.byte_order = ByteOrder::BADC;  // low byte first
  EXPECT_EQ(decoded(p, {0x4548, 0x4C4C, 0x004F}), Value{std::string{"HELLO"}});
  EXPECT_EQ(encoded(p, std::string{"HELLO"}), (Words{0x4548, 0x4C4C, 0x004F}));

  p.byte_order = ByteOrder::ABCD;
  p.length = 8;
  // "  AB" followed by NULs: padding is trimmed from both ends.
  EXPECT_EQ(decoded(p, {0x2020, 0x4142, 0x0000, 0x0000}), Value{std::string{"AB"}});
  // Space padded on the right.
  EXPECT_EQ(decoded(p, {0x4F4B, 0x2020, 0x2020, 0x2020}), Value{std::string{"OK"}});
  // A short string is padded with NULs for writing.
  EXPECT_EQ(encoded(p, std::string{"OK"}), (Words{0x4F4B, 0x0000, 0x0000, 0x0000}));
  EXPECT_EQ(encode_error(p, std::string{"TOO LONG!"}).code, Errc::value_out_of_range);
  EXPECT_EQ(encode_error(p, 1.0).code, Errc::type_mismatch);
}

TEST(ModbusValue, TooFewRegisters) {
  EXPECT_FALSE(decode_registers(point(ValueType::float32), Words{0x3FC0}).has_value());
  EXPECT_FALSE(decode_registers(point(ValueType::uint16), Words{}).has_value());
}

// --- encoding for writes -------------------------------------------------------

TEST(ModbusValueEncode, RoundsToTheNearestRawValue) {
  auto p = point(ValueType::int16);
  p.scale = 0.1;
  EXPECT_EQ(encoded(p, 21.37), (Words{214}));     // 213.7 -> 214
  EXPECT_EQ(encoded(p, -0.26), (Words{0xFFFD}));  // -2.6 -> -3
}

TEST(ModbusValueEncode, HalvesRoundAwayFromZero) {
  auto p = point(ValueType::int32);
  EXPECT_EQ(encoded(p, 2.5), (Words{0x0000, 0x0003}));
  EXPECT_EQ(encoded(p, -2.5), (Words{0xFFFF, 0xFFFD}));
  EXPECT_EQ(encoded(p, std::int64_t{-2}), (Words{0xFFFF, 0xFFFE}));
}

TEST(ModbusValueEncode, OffsetIsRemovedBeforeScaling) {
  auto p = point(ValueType::uint16);
  p.scale = 0.5;
  p.offset = 10.0;
  EXPECT_EQ(encoded(p, 30.0), (Words{40}));  // (30 - 10) / 0.5
}

TEST(ModbusValueEncode, OutOfRangeIsAClearError) {
  const Error error = encode_error(point(ValueType::uint16), std::int64_t{70000});
  EXPECT_EQ(error.code, Errc::value_out_of_range);
  EXPECT_EQ(error.message(), "value_out_of_range: 70000 does not fit uint16 (0..65535)");
  EXPECT_EQ(encode_error(point(ValueType::uint16), std::int64_t{-1}).code,
            Errc::value_out_of_range);
  EXPECT_EQ(encode_error(point(ValueType::int16), std::int64_t{-32769}).code,
            Errc::value_out_of_range);
  EXPECT_EQ(encode_error(point(ValueType::int16), 32767.6).code, Errc::value_out_of_range);
  EXPECT_EQ(encode_error(point(ValueType::uint32), 4294967296.0).code, Errc::value_out_of_range);
  EXPECT_EQ(encode_error(point(ValueType::int64), 9.3e18).code, Errc::value_out_of_range);
  EXPECT_EQ(encode_error(point(ValueType::uint64), std::int64_t{-5}).code,
            Errc::value_out_of_range);
  EXPECT_EQ(encode_error(point(ValueType::float32), 1e39).code, Errc::value_out_of_range);
  EXPECT_EQ(encode_error(point(ValueType::float64), std::nan("")).code, Errc::invalid_value);

  auto scaled = point(ValueType::int16);
  scaled.scale = 0.1;
  const Error scaled_error = encode_error(scaled, 5000.0);
  EXPECT_EQ(scaled_error.message(),
            "value_out_of_range: 50000 (from 5000 with scale 0.1 and offset 0) does not fit "
            "int16 (-32768..32767)");
}

TEST(ModbusValueEncode, SixtyFourBitExtremesAreExact) {
  EXPECT_EQ(encoded(point(ValueType::uint64), std::numeric_limits<std::uint64_t>::max()),
            (Words{0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF}));
  EXPECT_EQ(encoded(point(ValueType::int64), std::numeric_limits<std::int64_t>::min()),
            (Words{0x8000, 0x0000, 0x0000, 0x0000}));
  EXPECT_EQ(encoded(point(ValueType::int64), std::int64_t{0x0102030405060709}),
            (Words{0x0102, 0x0304, 0x0506, 0x0709}));
  // Compared as integers: a long double as narrow as double (armhf) would
  // round these bounds and refuse the largest values or accept one past them.
  EXPECT_EQ(encoded(point(ValueType::int64),
                    static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())),
            (Words{0x7FFF, 0xFFFF, 0xFFFF, 0xFFFF}));
  EXPECT_EQ(encode_error(point(ValueType::int64), std::uint64_t{1} << 63).code,
            Errc::value_out_of_range);
  EXPECT_EQ(encode_error(point(ValueType::uint64), std::int64_t{-1}).code,
            Errc::value_out_of_range);
}

TEST(ModbusValueEncode, TypeMismatchesAndZeroScale) {
  EXPECT_EQ(encode_error(point(ValueType::uint16), std::string{"12"}).code, Errc::type_mismatch);
  EXPECT_EQ(encode_error(point(ValueType::uint16), true).code, Errc::type_mismatch);
  auto p = point(ValueType::uint16);
  p.scale = 0.0;
  EXPECT_EQ(encode_error(p, 1.0).code, Errc::invalid_value);
}

TEST(ModbusValueEncode, Booleans) {
  EXPECT_EQ(encoded(point(ValueType::boolean), true), (Words{1}));
  EXPECT_EQ(encoded(point(ValueType::boolean), std::int64_t{0}), (Words{0}));
  EXPECT_EQ(encode_error(point(ValueType::boolean), 2.0).code, Errc::type_mismatch);
  auto bit = point(ValueType::boolean);
  bit.bit = 4;
  EXPECT_EQ(encode_error(bit, true).code, Errc::read_modify_write_required);
}

// --- write requests --------------------------------------------------------------

config::Point writable(ValueType type, std::uint16_t address) {
  auto p = point(type);
  p.address = address;
  p.writable = true;
  return p;
}

TEST(ModbusWriteRequest, ChoosesTheFunctionByPoint) {
  auto single = writable(ValueType::int16, 120);
  single.scale = 0.1;
  auto request = write_request(single, 21.5);
  ASSERT_TRUE(request.has_value()) << request.error().message();
  EXPECT_EQ(request.value(), (pdu::Request{pdu::WriteSingleRegister{120, 215}}));

  auto wide = writable(ValueType::float32, 100);
  request = write_request(wide, 1.5);
  ASSERT_TRUE(request.has_value()) << request.error().message();
  EXPECT_EQ(request.value(), (pdu::Request{pdu::WriteMultipleRegisters{100, {0x3FC0, 0x0000}}}));

  auto coil = writable(ValueType::boolean, 7);
  coil.register_kind = config::RegisterKind::coil;
  request = write_request(coil, true);
  ASSERT_TRUE(request.has_value()) << request.error().message();
  EXPECT_EQ(request.value(), (pdu::Request{pdu::WriteSingleCoil{7, true}}));
}

TEST(ModbusWriteRequest, ABitOfAHoldingRegisterIsAMaskWrite) {
  auto bit = writable(ValueType::boolean, 20);
  bit.bit = 14;
  auto request = write_request(bit, true);
  ASSERT_TRUE(request.has_value()) << request.error().message();
  EXPECT_EQ(request.value(), (pdu::Request{pdu::MaskWriteRegister{20, 0xBFFF, 0x4000}}));
  request = write_request(bit, std::int64_t{0});
  ASSERT_TRUE(request.has_value()) << request.error().message();
  EXPECT_EQ(request.value(), (pdu::Request{pdu::MaskWriteRegister{20, 0xBFFF, 0x0000}}));
  EXPECT_EQ(write_request(bit, 2.0).error().code, Errc::type_mismatch);
}

TEST(ModbusWriteRequest, RefusesWhatTheConfigurationForbids) {
  auto p = writable(ValueType::int16, 120);
  p.writable = false;
  EXPECT_EQ(write_request(p, 1.0).error().code, Errc::not_writable);

  p = writable(ValueType::int16, 120);
  p.register_kind = config::RegisterKind::input;
  EXPECT_EQ(write_request(p, 1.0).error().code, Errc::not_writable);

  p = writable(ValueType::int16, 120);
  p.min = 5.0;
  p.max = 80.0;
  EXPECT_EQ(write_request(p, 4.9).error().code, Errc::value_out_of_range);
  EXPECT_EQ(write_request(p, std::int64_t{81}).error().message(),
            "value_out_of_range: 81 outside [5, 80]");
  EXPECT_TRUE(write_request(p, 80.0).has_value());

  auto coil = writable(ValueType::boolean, 7);
  coil.register_kind = config::RegisterKind::coil;
  EXPECT_EQ(write_request(coil, std::string{"on"}).error().code, Errc::type_mismatch);
}

TEST(ModbusValue, Printing) {
  EXPECT_EQ(to_string(Value{true}), "true");
  EXPECT_EQ(to_string(Value{std::int64_t{-3}}), "-3");
  EXPECT_EQ(to_string(Value{23.5}), "23.5");
  EXPECT_EQ(to_string(Value{std::string{"x"}}), "\"x\"");
}

}  // namespace
}  // namespace iotgw::drivers::modbus
