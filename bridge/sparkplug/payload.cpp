#include "bridge/sparkplug/payload.hpp"

#include <cstring>
#include <pb_decode.h>
#include <pb_encode.h>
#include <string_view>

#include "sparkplug_b.pb.h"

namespace iotgw::bridge::sparkplug {
namespace {

using WireMetric = iotgw_sparkplug_Payload_Metric;
using WirePayload = iotgw_sparkplug_Payload;

constexpr std::string_view eng_unit_key = "engUnit";

template <std::size_t N>
bool copy_text(char (&to)[N], const std::string& from) {
  if (from.size() >= N) {
    return false;
  }
  std::memcpy(to, from.data(), from.size());
  to[from.size()] = '\0';
  return true;
}

std::int64_t as_signed(const Value& value) {
  return std::visit(
      [](const auto& v) -> std::int64_t {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate> || std::is_same_v<T, std::string>) {
          return 0;
        } else {
          return static_cast<std::int64_t>(v);
        }
      },
      value);
}

std::uint64_t as_unsigned(const Value& value) {
  return std::visit(
      [](const auto& v) -> std::uint64_t {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate> || std::is_same_v<T, std::string>) {
          return 0;
        } else {
          return static_cast<std::uint64_t>(v);
        }
      },
      value);
}

double as_double(const Value& value) {
  return std::visit(
      [](const auto& v) -> double {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate> || std::is_same_v<T, std::string>) {
          return 0;
        } else {
          return static_cast<double>(v);
        }
      },
      value);
}

// The value in the field its data type takes (Sparkplug 3.0 section 6.4.16).
// Int8 to Int32 go sign-extended into int_value, as Tahu and the TCK do;
// UInt32 goes into long_value, the field Tahu's JavaScript decoder reads it
// from (Java reads either).
bool put_value(const Metric& metric, WireMetric& wire, std::string& error) {
  if (std::holds_alternative<std::monostate>(metric.value)) {
    wire.has_is_null = true;
    wire.is_null = true;
    return true;
  }
  switch (metric.type) {
    case DataType::int8:
    case DataType::int16:
    case DataType::int32:
      wire.which_value = iotgw_sparkplug_Payload_Metric_int_value_tag;
      wire.value.int_value =
          static_cast<std::uint32_t>(static_cast<std::int32_t>(as_signed(metric.value)));
      return true;
    case DataType::uint8:
    case DataType::uint16:
      wire.which_value = iotgw_sparkplug_Payload_Metric_int_value_tag;
      wire.value.int_value = static_cast<std::uint32_t>(as_unsigned(metric.value));
      return true;
    case DataType::int64:
      wire.which_value = iotgw_sparkplug_Payload_Metric_long_value_tag;
      wire.value.long_value = static_cast<std::uint64_t>(as_signed(metric.value));
      return true;
    case DataType::uint32:
    case DataType::uint64:
    case DataType::datetime:
      wire.which_value = iotgw_sparkplug_Payload_Metric_long_value_tag;
      wire.value.long_value = as_unsigned(metric.value);
      return true;
    case DataType::float32:
      wire.which_value = iotgw_sparkplug_Payload_Metric_float_value_tag;
      wire.value.float_value = static_cast<float>(as_double(metric.value));
      return true;
    case DataType::float64:
      wire.which_value = iotgw_sparkplug_Payload_Metric_double_value_tag;
      wire.value.double_value = as_double(metric.value);
      return true;
    case DataType::boolean:
      wire.which_value = iotgw_sparkplug_Payload_Metric_boolean_value_tag;
      wire.value.boolean_value = as_unsigned(metric.value) != 0;
      return true;
    case DataType::string:
    case DataType::text: {
      const auto* text = std::get_if<std::string>(&metric.value);
      wire.which_value = iotgw_sparkplug_Payload_Metric_string_value_tag;
      if (text == nullptr || !copy_text(wire.value.string_value, *text)) {
        error = "metric " + metric.name + ": a string value of at most " +
                std::to_string(max_string_bytes) + " bytes is needed";
        return false;
      }
      return true;
    }
  }
  error = "metric " + metric.name + ": unknown data type";
  return false;
}

bool to_wire(const Metric& metric, WireMetric& wire, std::string& error) {
  if (!metric.name.empty()) {
    wire.has_name = true;
    if (!copy_text(wire.name, metric.name)) {
      error = "metric name longer than " + std::to_string(max_name_bytes) + " bytes";
      return false;
    }
  }
  wire.has_alias = metric.alias.has_value();
  wire.alias = metric.alias.value_or(0);
  wire.has_timestamp = metric.timestamp.has_value();
  wire.timestamp = metric.timestamp.value_or(0);
  wire.has_datatype = metric.send_type;
  wire.datatype = static_cast<std::uint32_t>(metric.type);
  if (metric.is_historical) {
    wire.has_is_historical = true;
    wire.is_historical = true;
  }
  if (!metric.eng_unit.empty()) {
    wire.has_properties = true;
    iotgw_sparkplug_Payload_PropertySet& properties = wire.properties;
    properties.keys_count = 1;
    copy_text(properties.keys[0], std::string(eng_unit_key));
    properties.values_count = 1;
    properties.values[0].has_type = true;
    properties.values[0].type = static_cast<std::uint32_t>(DataType::string);
    properties.values[0].which_value = iotgw_sparkplug_Payload_PropertyValue_string_value_tag;
    if (!copy_text(properties.values[0].value.string_value, metric.eng_unit)) {
      error = "metric " + metric.name + ": engineering unit too long";
      return false;
    }
  }
  return put_value(metric, wire, error);
}

struct Encoding {
  const Payload& payload;
  std::string error;
};

// Called twice per encode: once to size the payload, once to write it.
bool encode_metrics(pb_ostream_t* stream, const pb_field_t* field, void* const* arg) {
  auto& encoding = *static_cast<Encoding*>(*arg);
  for (const Metric& metric : encoding.payload.metrics) {
    WireMetric wire = iotgw_sparkplug_Payload_Metric_init_zero;
    if (!to_wire(metric, wire, encoding.error) || !pb_encode_tag_for_field(stream, field) ||
        !pb_encode_submessage(stream, iotgw_sparkplug_Payload_Metric_fields, &wire)) {
      return false;
    }
  }
  return true;
}

struct Decoding {
  ReceivedPayload& payload;
  std::size_t max_metrics;
  std::string error;
};

ReceivedMetric from_wire(const WireMetric& wire) {
  ReceivedMetric metric;
  if (wire.has_name) {
    metric.name = wire.name;
  }
  if (wire.has_alias) {
    metric.alias = wire.alias;
  }
  if (wire.has_datatype) {
    metric.datatype = wire.datatype;
  }
  metric.is_null = wire.has_is_null && wire.is_null;
  switch (wire.which_value) {
    case iotgw_sparkplug_Payload_Metric_int_value_tag:
      metric.value = wire.value.int_value;
      break;
    case iotgw_sparkplug_Payload_Metric_long_value_tag:
      metric.value = wire.value.long_value;
      break;
    case iotgw_sparkplug_Payload_Metric_float_value_tag:
      metric.value = wire.value.float_value;
      break;
    case iotgw_sparkplug_Payload_Metric_double_value_tag:
      metric.value = wire.value.double_value;
      break;
    case iotgw_sparkplug_Payload_Metric_boolean_value_tag:
      metric.value = wire.value.boolean_value;
      break;
    case iotgw_sparkplug_Payload_Metric_string_value_tag:
      metric.value = std::string(wire.value.string_value);
      break;
    default:
      break;
  }
  return metric;
}

// Called once per metric, with a stream that holds that metric alone.
bool decode_metric(pb_istream_t* stream, const pb_field_t*, void** arg) {
  auto& decoding = *static_cast<Decoding*>(*arg);
  if (decoding.payload.metrics.size() >= decoding.max_metrics) {
    decoding.error = "more than " + std::to_string(decoding.max_metrics) + " metrics";
    return false;
  }
  WireMetric wire = iotgw_sparkplug_Payload_Metric_init_zero;
  if (!pb_decode(stream, iotgw_sparkplug_Payload_Metric_fields, &wire)) {
    return false;
  }
  decoding.payload.metrics.push_back(from_wire(wire));
  return true;
}

}  // namespace

boost::system::result<std::vector<std::uint8_t>, std::string> encode(const Payload& payload) {
  Encoding encoding{payload, {}};
  WirePayload wire = iotgw_sparkplug_Payload_init_zero;
  wire.has_timestamp = payload.timestamp.has_value();
  wire.timestamp = payload.timestamp.value_or(0);
  wire.has_seq = payload.seq.has_value();
  wire.seq = payload.seq.value_or(0);
  wire.metrics.funcs.encode = encode_metrics;
  wire.metrics.arg = &encoding;
  std::size_t size = 0;
  if (!pb_get_encoded_size(&size, iotgw_sparkplug_Payload_fields, &wire)) {
    return boost::system::result<std::vector<std::uint8_t>, std::string>(
        boost::system::in_place_error, encoding.error.empty() ? "cannot encode" : encoding.error);
  }
  std::vector<std::uint8_t> bytes(size);
  pb_ostream_t stream = pb_ostream_from_buffer(bytes.data(), bytes.size());
  if (!pb_encode(&stream, iotgw_sparkplug_Payload_fields, &wire)) {
    return boost::system::result<std::vector<std::uint8_t>, std::string>(
        boost::system::in_place_error, PB_GET_ERROR(&stream));
  }
  return bytes;
}

void append_seq(std::vector<std::uint8_t>& payload, std::uint8_t seq) {
  constexpr std::uint8_t seq_key = (3 << 3) | 0;  // field 3, varint
  payload.push_back(seq_key);
  if (seq < 0x80) {
    payload.push_back(seq);
  } else {
    payload.push_back(static_cast<std::uint8_t>(0x80 | (seq & 0x7F)));
    payload.push_back(static_cast<std::uint8_t>(seq >> 7));
  }
}

boost::system::result<ReceivedPayload, std::string> decode(std::span<const std::uint8_t> bytes,
                                                           std::size_t max_metrics) {
  ReceivedPayload payload;
  Decoding decoding{payload, max_metrics, {}};
  WirePayload wire = iotgw_sparkplug_Payload_init_zero;
  wire.metrics.funcs.decode = decode_metric;
  wire.metrics.arg = &decoding;
  pb_istream_t stream = pb_istream_from_buffer(bytes.data(), bytes.size());
  if (!pb_decode(&stream, iotgw_sparkplug_Payload_fields, &wire)) {
    return boost::system::result<ReceivedPayload, std::string>(
        boost::system::in_place_error,
        decoding.error.empty() ? std::string("not a Sparkplug B payload: ") + PB_GET_ERROR(&stream)
                               : decoding.error);
  }
  if (wire.has_timestamp) {
    payload.timestamp = wire.timestamp;
  }
  if (wire.has_seq) {
    payload.seq = wire.seq;
  }
  return payload;
}

}  // namespace iotgw::bridge::sparkplug
