// Sparkplug B payloads as iotgw builds and reads them: Payload and Metric in
// C++ terms, encoded to and decoded from the protobuf wire format of
// sparkplug_b.proto through nanopb. Decoding takes what a peer (a host's
// NCMD or DCMD) sent: every size is bounded, and nothing is allocated beyond
// the metrics returned.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include <boost/system/result.hpp>

namespace iotgw::bridge::sparkplug {

// Sparkplug 3.0 section 6.4.16, the scalar data types.
enum class DataType : std::uint32_t {
  int8 = 1,
  int16 = 2,
  int32 = 3,
  int64 = 4,
  uint8 = 5,
  uint16 = 6,
  uint32 = 7,
  uint64 = 8,
  float32 = 9,   // "Float"
  float64 = 10,  // "Double"
  boolean = 11,
  string = 12,
  datetime = 13,  // ms since the epoch, UTC
  text = 14,
};

// A metric's value: null (is_null), or one of these. Integers are held as
// their type says (signed or not); the wire field follows the data type.
using Value =
    std::variant<std::monostate, bool, std::int64_t, std::uint64_t, float, double, std::string>;

struct Metric {
  std::string name;  // births name every metric; data and commands may use the alias alone
  std::optional<std::uint64_t> alias;
  std::optional<std::uint64_t> timestamp;  // ms since the epoch, UTC
  DataType type = DataType::float64;
  bool send_type = false;  // births carry the data type, data messages do not
  bool is_historical = false;
  Value value;
  std::string eng_unit;  // the "engUnit" property, when not empty
};

struct Payload {
  std::optional<std::uint64_t> timestamp;  // ms since the epoch, UTC
  std::optional<std::uint64_t> seq;        // every edge node message but NDEATH
  std::vector<Metric> metrics;
};

// Names and strings longer than the schema's bounds (sparkplug_b.options) do
// not fit: encode() refuses them rather than cut them.
inline constexpr std::size_t max_name_bytes = 255;
inline constexpr std::size_t max_string_bytes = 1023;

boost::system::result<std::vector<std::uint8_t>, std::string> encode(const Payload& payload);

// Adds seq (field 3) to an encoded payload. Data messages wait in the store
// before they go out, and seq counts what was published since the last node
// birth, so it is added on the way out: protobuf fields may come in any
// order, and of a field given twice the last counts.
void append_seq(std::vector<std::uint8_t>& payload, std::uint8_t seq);

// A metric as a peer sent it. The wire field says how its value was sent; the
// caller, who knows the metric's data type, makes sense of it (an Int8 comes
// in the low bits of int_value, a UInt64 in long_value).
struct ReceivedMetric {
  std::string name;
  std::optional<std::uint64_t> alias;
  std::optional<std::uint32_t> datatype;
  bool is_null = false;
  std::variant<std::monostate, std::uint32_t /*int_value*/, std::uint64_t /*long_value*/, float,
               double, bool, std::string>
      value;
};

struct ReceivedPayload {
  std::optional<std::uint64_t> timestamp;
  std::optional<std::uint64_t> seq;
  std::vector<ReceivedMetric> metrics;
};

// Refuses more than max_metrics metrics, and anything that is not a
// well-formed payload within the schema's bounds.
boost::system::result<ReceivedPayload, std::string> decode(std::span<const std::uint8_t> bytes,
                                                           std::size_t max_metrics);

}  // namespace iotgw::bridge::sparkplug
