#include "drivers/modbus/value.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

#include "config/point_scaling.hpp"

namespace iotgw::drivers::modbus {
namespace {

using config::ByteOrder;
using config::ValueType;

std::string number(double value) {
  char text[32];
  const auto result = std::to_chars(std::begin(text), std::end(text), value);
  return std::string(text, result.ptr);
}

// CDAB and DCBA put the least significant register first.
bool words_swapped(ByteOrder order) {
  return order == ByteOrder::CDAB || order == ByteOrder::DCBA;
}
// BADC and DCBA put the low byte of each register first.
bool bytes_swapped(ByteOrder order) {
  return order == ByteOrder::BADC || order == ByteOrder::DCBA;
}

std::uint16_t swap_bytes(std::uint16_t word) {
  return static_cast<std::uint16_t>((word << 8) | (word >> 8));
}

// The value's bits, most significant first, from registers in `order`.
std::uint64_t join_words(std::span<const std::uint16_t> words, ByteOrder order) {
  std::uint64_t raw = 0;
  const std::size_t n = words.size();
  for (std::size_t i = 0; i < n; ++i) {
    std::uint16_t word = words[words_swapped(order) ? n - 1 - i : i];
    if (bytes_swapped(order)) {
      word = swap_bytes(word);
    }
    raw = (raw << 16) | word;
  }
  return raw;
}

// The inverse of join_words: `count` registers holding `raw` in `order`.
std::vector<std::uint16_t> split_words(std::uint64_t raw, std::size_t count, ByteOrder order) {
  std::vector<std::uint16_t> words(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto word = static_cast<std::uint16_t>(raw >> (16 * (count - 1 - i)));
    if (bytes_swapped(order)) {
      word = swap_bytes(word);
    }
    words[words_swapped(order) ? count - 1 - i : i] = word;
  }
  return words;
}

bool unscaled(const config::Point& point) {
  return point.scale == 1.0 && point.offset == 0.0;
}

template <class Integer>
Value scaled_integer(const config::Point& point, Integer raw) {
  if (unscaled(point)) {
    if constexpr (std::is_signed_v<Integer>) {
      return static_cast<std::int64_t>(raw);
    } else {
      return static_cast<std::uint64_t>(raw);
    }
  }
  return config::to_engineering(point, static_cast<double>(raw));
}

// Strings: two characters per register, high byte first (low byte first for
// BADC and DCBA), NUL and space padding trimmed from both ends.
std::string decode_string(const config::Point& point, std::span<const std::uint16_t> registers) {
  std::string text;
  text.reserve(point.length);
  for (std::size_t i = 0; i < point.length; ++i) {
    std::uint16_t word = registers[i / 2];
    if (bytes_swapped(point.byte_order)) {
      word = swap_bytes(word);
    }
    text.push_back(static_cast<char>(i % 2 == 0 ? word >> 8 : word & 0xFFU));
  }
  const auto padding = [](char c) { return c == '\0' || c == ' '; };
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && padding(text[begin])) {
    ++begin;
  }
  while (end > begin && padding(text[end - 1])) {
    --end;
  }
  return text.substr(begin, end - begin);
}

const char* type_name(ValueType type) {
  switch (type) {
    case ValueType::boolean:
      return "bool";
    case ValueType::int16:
      return "int16";
    case ValueType::uint16:
      return "uint16";
    case ValueType::int32:
      return "int32";
    case ValueType::uint32:
      return "uint32";
    case ValueType::int64:
      return "int64";
    case ValueType::uint64:
      return "uint64";
    case ValueType::float32:
      return "float32";
    case ValueType::float64:
      return "float64";
    case ValueType::string:
      return "string";
  }
  return "?";
}

// The range of an integer type as exact long doubles (the 64-bit bounds are
// powers of two, exact even where long double is only a double).
// A register type's range twice over: as long double for values that went
// through scale and offset, and as integers for exact comparisons (where long
// double is no wider than double, as on armhf, 2^64 - 1 rounds up to 2^64).
struct IntegerRange {
  long double min;
  long double max_exclusive;
  std::int64_t lowest;
  std::uint64_t highest;
  const char* text;
};

IntegerRange integer_range(ValueType type) {
  switch (type) {
    case ValueType::int16:
      return {-32768.0L, 32768.0L, -32768, 32767, "-32768..32767"};
    case ValueType::uint16:
      return {0.0L, 65536.0L, 0, 65535, "0..65535"};
    case ValueType::int32:
      return {-2147483648.0L, 2147483648.0L, -2147483648LL, 2147483647, "-2147483648..2147483647"};
    case ValueType::uint32:
      return {0.0L, 4294967296.0L, 0, 4294967295ULL, "0..4294967295"};
    case ValueType::int64:
      return {-std::ldexp(1.0L, 63), std::ldexp(1.0L, 63), std::numeric_limits<std::int64_t>::min(),
              static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()),
              "-9223372036854775808..9223372036854775807"};
    default:
      return {0.0L, std::ldexp(1.0L, 64), 0, std::numeric_limits<std::uint64_t>::max(),
              "0..18446744073709551615"};
  }
}

bool is_signed(ValueType type) {
  return type == ValueType::int16 || type == ValueType::int32 || type == ValueType::int64;
}

// The raw integer of a value written without scale or offset: exact, no
// detour through floating point for 64-bit values.
std::optional<Result<std::uint64_t>> exact_integer(const config::Point& point, const Value& value) {
  if (!unscaled(point)) {
    return std::nullopt;
  }
  const IntegerRange range = integer_range(point.type);
  const auto out_of_range = [&](std::string shown) -> Result<std::uint64_t> {
    return make_error(Errc::value_out_of_range,
                      shown + " does not fit " + type_name(point.type) + " (" + range.text + ")");
  };
  if (const auto* i = std::get_if<std::int64_t>(&value)) {
    if (*i < range.lowest || (*i > 0 && static_cast<std::uint64_t>(*i) > range.highest)) {
      return out_of_range(std::to_string(*i));
    }
    return static_cast<std::uint64_t>(*i);
  }
  if (const auto* u = std::get_if<std::uint64_t>(&value)) {
    if (*u > range.highest) {
      return out_of_range(std::to_string(*u));
    }
    return *u;
  }
  return std::nullopt;
}

std::optional<long double> as_number(const Value& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) {
    return static_cast<long double>(*i);
  }
  if (const auto* u = std::get_if<std::uint64_t>(&value)) {
    return static_cast<long double>(*u);
  }
  if (const auto* d = std::get_if<double>(&value)) {
    return *d;
  }
  return std::nullopt;
}

// A boolean from a bool, or from the numbers 0 and 1.
std::optional<bool> as_bool(const Value& value) {
  if (const auto* b = std::get_if<bool>(&value)) {
    return *b;
  }
  const auto n = as_number(value);
  if (n && (*n == 0 || *n == 1)) {
    return *n == 1;
  }
  return std::nullopt;
}

// The raw bits (two's complement for signed types) of a numeric value.
Result<std::uint64_t> encode_number(const config::Point& point, const Value& value) {
  if (auto exact = exact_integer(point, value);
      exact && point.type != ValueType::float32 && point.type != ValueType::float64) {
    return std::move(*exact);
  }
  const auto engineering = as_number(value);
  if (!engineering) {
    return make_error(Errc::type_mismatch,
                      std::string{"a number is needed for a "} + type_name(point.type) + " point");
  }
  if (!std::isfinite(*engineering)) {
    return make_error(Errc::invalid_value, "not a finite number");
  }
  if (point.scale == 0.0) {
    return make_error(Errc::invalid_value, "scale 0 cannot be inverted for a write");
  }
  const long double raw = (*engineering - point.offset) / point.scale;
  const std::string origin = unscaled(point) ? number(static_cast<double>(*engineering))
                                             : number(static_cast<double>(raw)) + " (from " +
                                                   number(static_cast<double>(*engineering)) +
                                                   " with scale " + number(point.scale) +
                                                   " and offset " + number(point.offset) + ")";
  if (point.type == ValueType::float32) {
    if (!std::isfinite(raw) || std::fabs(raw) > std::numeric_limits<float>::max()) {
      return make_error(Errc::value_out_of_range, origin + " does not fit float32");
    }
    return std::bit_cast<std::uint32_t>(static_cast<float>(raw));
  }
  if (point.type == ValueType::float64) {
    if (!std::isfinite(raw) || std::fabs(raw) > std::numeric_limits<double>::max()) {
      return make_error(Errc::value_out_of_range, origin + " does not fit float64");
    }
    return std::bit_cast<std::uint64_t>(static_cast<double>(raw));
  }
  const long double rounded = std::round(raw);
  const IntegerRange range = integer_range(point.type);
  if (!std::isfinite(rounded) || rounded < range.min || rounded >= range.max_exclusive) {
    return make_error(Errc::value_out_of_range,
                      origin + " does not fit " + type_name(point.type) + " (" + range.text + ")");
  }
  if (is_signed(point.type)) {
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(rounded));
  }
  return static_cast<std::uint64_t>(rounded);
}

}  // namespace

Result<Value> decode_registers(const config::Point& point,
                               std::span<const std::uint16_t> registers) {
  const auto needed = static_cast<std::size_t>(config::register_count(point));
  if (registers.size() < needed) {
    return make_error(Errc::malformed_response, "point " + point.name + " needs " +
                                                    std::to_string(needed) + " registers, got " +
                                                    std::to_string(registers.size()));
  }
  const auto words = registers.first(needed);
  switch (point.type) {
    case ValueType::boolean:
      if (point.bit) {
        if (*point.bit < 0 || *point.bit > 15) {
          return make_error(Errc::invalid_value,
                            "bit " + std::to_string(*point.bit) + " outside 0..15");
        }
        return Value{((words[0] >> *point.bit) & 1U) != 0};
      }
      return Value{words[0] != 0};
    case ValueType::int16:
      return scaled_integer(point, static_cast<std::int16_t>(join_words(words, point.byte_order)));
    case ValueType::uint16:
      return scaled_integer(point, static_cast<std::uint16_t>(join_words(words, point.byte_order)));
    case ValueType::int32:
      return scaled_integer(point, static_cast<std::int32_t>(join_words(words, point.byte_order)));
    case ValueType::uint32:
      return scaled_integer(point, static_cast<std::uint32_t>(join_words(words, point.byte_order)));
    case ValueType::int64:
      return scaled_integer(point, static_cast<std::int64_t>(join_words(words, point.byte_order)));
    case ValueType::uint64:
      return scaled_integer(point, join_words(words, point.byte_order));
    case ValueType::float32: {
      const auto raw =
          std::bit_cast<float>(static_cast<std::uint32_t>(join_words(words, point.byte_order)));
      return Value{config::to_engineering(point, static_cast<double>(raw))};
    }
    case ValueType::float64: {
      const auto raw = std::bit_cast<double>(join_words(words, point.byte_order));
      return Value{config::to_engineering(point, raw)};
    }
    case ValueType::string:
      return Value{decode_string(point, words)};
  }
  return make_error(Errc::invalid_value, "unknown value type");
}

Result<std::vector<std::uint16_t>> encode_registers(const config::Point& point,
                                                    const Value& value) {
  const auto count = static_cast<std::size_t>(config::register_count(point));
  switch (point.type) {
    case ValueType::boolean: {
      if (point.bit) {
        return make_error(Errc::read_modify_write_required,
                          "bit " + std::to_string(*point.bit) + " of register " +
                              std::to_string(point.address) +
                              " cannot be written without reading the register first");
      }
      const auto on = as_bool(value);
      if (!on) {
        return make_error(Errc::type_mismatch, "a bool (or 0/1) is needed for a bool point");
      }
      return std::vector<std::uint16_t>{static_cast<std::uint16_t>(*on ? 1 : 0)};
    }
    case ValueType::string: {
      const auto* text = std::get_if<std::string>(&value);
      if (!text) {
        return make_error(Errc::type_mismatch, "a string is needed for a string point");
      }
      if (text->size() > point.length) {
        return make_error(Errc::value_out_of_range, "string of " + std::to_string(text->size()) +
                                                        " characters does not fit " +
                                                        std::to_string(point.length));
      }
      std::vector<std::uint16_t> words(count, 0);
      for (std::size_t i = 0; i < text->size(); ++i) {
        const auto byte = static_cast<std::uint8_t>((*text)[i]);
        words[i / 2] |= static_cast<std::uint16_t>(i % 2 == 0 ? byte << 8 : byte);
      }
      if (bytes_swapped(point.byte_order)) {
        for (auto& word : words) {
          word = swap_bytes(word);
        }
      }
      return words;
    }
    default: {
      auto raw = encode_number(point, value);
      if (!raw) {
        return raw.error();
      }
      return split_words(*raw, count, point.byte_order);
    }
  }
}

// Reliability contract 5: only writable points, within their declared range,
// ever produce traffic.
Result<pdu::Request> write_request(const config::Point& point, const Value& value) {
  if (!point.writable) {
    return make_error(Errc::not_writable, "point " + point.name + " is not writable");
  }
  if (point.register_kind == config::RegisterKind::input ||
      point.register_kind == config::RegisterKind::discrete) {
    return make_error(Errc::not_writable, "point " + point.name + " is a read-only register kind");
  }
  if (const auto engineering = as_number(value)) {
    if ((point.min && *engineering < *point.min) || (point.max && *engineering > *point.max)) {
      return make_error(Errc::value_out_of_range,
                        to_string(value) + " outside [" +
                            (point.min ? number(*point.min) : std::string{"-inf"}) + ", " +
                            (point.max ? number(*point.max) : std::string{"inf"}) + "]");
    }
  }
  if (point.register_kind == config::RegisterKind::coil) {
    const auto on = as_bool(value);
    if (!on) {
      return make_error(Errc::type_mismatch, "a bool (or 0/1) is needed for a coil");
    }
    return pdu::Request{pdu::WriteSingleCoil{point.address, *on}};
  }
  if (point.bit) {
    // One bit of a holding register: the masks say which, also for a
    // read-modify-write, which the bus carries out with them.
    const auto on = as_bool(value);
    if (!on) {
      return make_error(Errc::type_mismatch, "a bool (or 0/1) is needed for a bit");
    }
    return pdu::Request{pdu::set_bit(point.address, *point.bit, *on)};
  }
  auto words = encode_registers(point, value);
  if (!words) {
    return words.error();
  }
  if (words->size() == 1) {
    return pdu::Request{pdu::WriteSingleRegister{point.address, words->front()}};
  }
  return pdu::Request{pdu::WriteMultipleRegisters{point.address, std::move(words).value()}};
}

std::string to_string(const Value& value) {
  struct Print {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(std::uint64_t u) const { return std::to_string(u); }
    std::string operator()(double d) const { return number(d); }
    std::string operator()(const std::string& s) const { return "\"" + s + "\""; }
  };
  return std::visit(Print{}, value);
}

}  // namespace iotgw::drivers::modbus
