// shift_timestamps walks the protobuf wire format of a Payload and writes it
// anew. A timestamp is a varint, whose width follows its value (1000 ms takes
// 2 bytes, a date in 2024 takes 6), so it cannot be patched in place: a wider
// timestamp makes its metric longer, and so that metric's length prefix too.
// Nor does it go through decode() and encode(), which keep only what iotgw
// reads and would drop properties, unknown fields and metric timestamps. So
// every field is copied byte for byte, in the order it came, but the
// timestamps (Payload field 1, Metric field 3) and the length of each metric
// (Payload field 2) whose size changed.
//
// The walk runs twice over the same bytes: first to check them and count the
// result, then to write it into a vector of that size, the one allocation.
// It goes no deeper than Payload -> Metric; what a metric holds besides its
// timestamp (properties, values) is copied whole, unread.
#include "bridge/sparkplug/timestamps.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <limits>
#include <span>
#include <utility>

namespace iotgw::bridge::sparkplug {
namespace {

using Bytes = std::span<const std::uint8_t>;

// Field numbers of sparkplug_b.proto.
constexpr std::uint64_t payload_timestamp = 1;
constexpr std::uint64_t payload_metrics = 2;
constexpr std::uint64_t metric_timestamp = 3;

constexpr std::uint64_t max_field_number = (std::uint64_t{1} << 29) - 1;
constexpr std::size_t max_varint_bytes = 10;

enum class WireType : std::uint8_t { varint = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

// One field as it came: its key and its value as bytes, to copy them as they
// were, and what the walk needs to read of it.
struct Field {
  std::uint64_t number = 0;
  WireType type = WireType::varint;
  Bytes key;
  Bytes value;               // all of it: for length-delimited, the length prefix too
  std::uint64_t varint = 0;  // wire type varint
  Bytes contents;            // wire type length-delimited, without the length prefix
};

class Reader {
 public:
  explicit Reader(Bytes bytes) : rest_(bytes) {}

  bool done() const { return rest_.empty(); }

  // Refuses a truncated varint, one over 10 bytes, and one over 64 bits (the
  // tenth byte holds the 64th bit alone), as nanopb's decoder does.
  bool varint(std::uint64_t& value) {
    value = 0;
    for (std::size_t i = 0; i < max_varint_bytes && i < rest_.size(); ++i) {
      const std::uint8_t byte = rest_[i];
      if (i == max_varint_bytes - 1 && byte > 1) {
        return false;
      }
      value |= std::uint64_t{byte & 0x7Fu} << (7 * i);
      if ((byte & 0x80) == 0) {
        rest_ = rest_.subspan(i + 1);
        return true;
      }
    }
    return false;
  }

  bool take(std::uint64_t count, Bytes& taken) {
    if (count > rest_.size()) {
      return false;
    }
    taken = rest_.first(static_cast<std::size_t>(count));
    rest_ = rest_.subspan(taken.size());
    return true;
  }

  bool field(Field& field) {
    const Bytes start = rest_;
    std::uint64_t key = 0;
    if (!varint(key)) {
      return false;
    }
    field.key = since(start);
    field.number = key >> 3;
    if (field.number == 0 || field.number > max_field_number) {
      return false;
    }
    const Bytes value_start = rest_;
    bool read = false;
    switch (key & 7) {
      case 0:
        field.type = WireType::varint;
        read = varint(field.varint);
        break;
      case 1:
        field.type = WireType::fixed64;
        read = take(8, field.contents);
        break;
      case 2: {
        field.type = WireType::length_delimited;
        std::uint64_t length = 0;
        read = varint(length) && take(length, field.contents);
        break;
      }
      case 5:
        field.type = WireType::fixed32;
        read = take(4, field.contents);
        break;
      default:  // groups (3, 4), which Sparkplug does not use, and no wire type (6, 7)
        return false;
    }
    field.value = since(value_start);
    return read;
  }

 private:
  // What was read since the reader was at `start`.
  Bytes since(Bytes start) const { return start.first(start.size() - rest_.size()); }

  Bytes rest_;
};

// Counts the bytes put, and writes them when it has a buffer: the first walk
// has none, the second one a buffer of the size the first counted.
class Writer {
 public:
  Writer() = default;
  explicit Writer(std::span<std::uint8_t> buffer) : buffer_(buffer), writing_(true) {}

  std::size_t size() const { return size_; }

  void put(Bytes bytes) {
    if (writing_) {
      std::copy(bytes.begin(), bytes.end(), buffer_.begin() + static_cast<std::ptrdiff_t>(size_));
    }
    size_ += bytes.size();
  }

  void put_varint(std::uint64_t value) {
    std::array<std::uint8_t, max_varint_bytes> bytes{};
    std::size_t count = 0;
    while (value >= 0x80) {
      bytes[count++] = static_cast<std::uint8_t>(value | 0x80);
      value >>= 7;
    }
    bytes[count++] = static_cast<std::uint8_t>(value);
    put(Bytes(bytes.data(), count));
  }

 private:
  std::span<std::uint8_t> buffer_;
  bool writing_ = false;
  std::size_t size_ = 0;
};

// Clamped at 0 below and at the largest uint64 above, rather than wrapped.
std::uint64_t shifted(std::uint64_t timestamp, std::int64_t delta_ms) {
  if (delta_ms >= 0) {
    const auto forward = static_cast<std::uint64_t>(delta_ms);
    return timestamp > std::numeric_limits<std::uint64_t>::max() - forward
               ? std::numeric_limits<std::uint64_t>::max()
               : timestamp + forward;
  }
  // -(delta_ms + 1) + 1, as -delta_ms overflows for the smallest int64.
  const std::uint64_t back = static_cast<std::uint64_t>(-(delta_ms + 1)) + 1;
  return timestamp < back ? 0 : timestamp - back;
}

// A timestamp that does not change keeps its bytes, so that a shift of 0
// gives back the payload as it was, even one a peer encoded less tightly.
bool put_timestamp(const Field& field, std::int64_t delta_ms, Writer& out) {
  if (field.type != WireType::varint) {
    return false;
  }
  out.put(field.key);
  const std::uint64_t timestamp = shifted(field.varint, delta_ms);
  if (timestamp == field.varint) {
    out.put(field.value);
  } else {
    out.put_varint(timestamp);
  }
  return true;
}

bool put_metric_contents(Bytes metric, std::int64_t delta_ms, Writer& out) {
  Reader in(metric);
  Field field;
  while (!in.done()) {
    if (!in.field(field)) {
      return false;
    }
    if (field.number == metric_timestamp) {
      if (!put_timestamp(field, delta_ms, out)) {
        return false;
      }
    } else {
      out.put(field.key);
      out.put(field.value);
    }
  }
  return true;
}

// The metric's length prefix comes before it: a walk that only counts tells
// the new length, then the metric is walked again to put it.
bool put_metric(const Field& field, std::int64_t delta_ms, Writer& out) {
  if (field.type != WireType::length_delimited) {
    return false;
  }
  Writer counted;
  if (!put_metric_contents(field.contents, delta_ms, counted)) {
    return false;
  }
  out.put(field.key);
  if (counted.size() == field.contents.size()) {
    out.put(
        field.value.first(field.value.size() - field.contents.size()));  // the length as it came
  } else {
    out.put_varint(counted.size());
  }
  return put_metric_contents(field.contents, delta_ms, out);
}

bool put_payload(Bytes payload, std::int64_t delta_ms, Writer& out) {
  Reader in(payload);
  Field field;
  while (!in.done()) {
    if (!in.field(field)) {
      return false;
    }
    bool put = true;
    switch (field.number) {
      case payload_timestamp:
        put = put_timestamp(field, delta_ms, out);
        break;
      case payload_metrics:
        put = put_metric(field, delta_ms, out);
        break;
      default:
        out.put(field.key);
        out.put(field.value);
        break;
    }
    if (!put) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool shift_timestamps(std::vector<std::uint8_t>& payload, std::int64_t delta_ms) {
  Writer counted;
  if (!put_payload(payload, delta_ms, counted)) {
    return false;
  }
  std::vector<std::uint8_t> shifted_payload(counted.size());
  Writer out(shifted_payload);
  put_payload(payload, delta_ms, out);  // cannot fail: the same bytes passed the first walk
  payload = std::move(shifted_payload);
  return true;
}

}  // namespace iotgw::bridge::sparkplug
