// The spelling of every enumerated configuration value, shared by the reader
// (which accepts exactly these) and by everything that prints them.
#pragma once

#include <array>
#include <string_view>
#include <utility>

#include "config/config.hpp"

namespace iotgw::config {

template <class E, std::size_t N>
using NameTable = std::array<std::pair<std::string_view, E>, N>;

inline constexpr NameTable<LogLevel, 5> log_level_names{{
    {"trace", LogLevel::trace},
    {"debug", LogLevel::debug},
    {"info", LogLevel::info},
    {"warn", LogLevel::warn},
    {"error", LogLevel::error},
}};

inline constexpr NameTable<MqttVersion, 3> mqtt_version_names{{
    {"auto", MqttVersion::automatic},
    {"5", MqttVersion::v5},
    {"3.1.1", MqttVersion::v3_1_1},
}};

inline constexpr NameTable<Overflow, 2> overflow_names{{
    {"drop_oldest", Overflow::drop_oldest},
    {"drop_newest", Overflow::drop_newest},
}};

inline constexpr NameTable<Sync, 2> sync_names{{
    {"normal", Sync::normal},
    {"full", Sync::full},
}};

inline constexpr NameTable<Delivery, 2> delivery_names{{
    {"fifo", Delivery::fifo},
    {"live_first", Delivery::live_first},
}};

inline constexpr NameTable<PayloadFormat, 3> payload_format_names{{
    {"json", PayloadFormat::json},
    {"value", PayloadFormat::value},
    {"device_json", PayloadFormat::device_json},
}};

inline constexpr NameTable<Protocol, 4> protocol_names{{
    {"modbus-rtu", Protocol::modbus_rtu},
    {"modbus-tcp", Protocol::modbus_tcp},
    {"modbus-rtu-over-tcp", Protocol::modbus_rtu_over_tcp},
    {"line", Protocol::line},
}};

inline constexpr NameTable<Parity, 3> parity_names{{
    {"none", Parity::none},
    {"even", Parity::even},
    {"odd", Parity::odd},
}};

inline constexpr NameTable<FlowControl, 3> flow_control_names{{
    {"none", FlowControl::none},
    {"rtscts", FlowControl::rtscts},
    {"xonxoff", FlowControl::xonxoff},
}};

inline constexpr NameTable<RegisterKind, 4> register_kind_names{{
    {"holding", RegisterKind::holding},
    {"input", RegisterKind::input},
    {"coil", RegisterKind::coil},
    {"discrete", RegisterKind::discrete},
}};

inline constexpr NameTable<ValueType, 10> value_type_names{{
    {"bool", ValueType::boolean},
    {"int16", ValueType::int16},
    {"uint16", ValueType::uint16},
    {"int32", ValueType::int32},
    {"uint32", ValueType::uint32},
    {"int64", ValueType::int64},
    {"uint64", ValueType::uint64},
    {"float32", ValueType::float32},
    {"float64", ValueType::float64},
    {"string", ValueType::string},
}};

inline constexpr NameTable<ByteOrder, 4> byte_order_names{{
    {"ABCD", ByteOrder::ABCD},
    {"CDAB", ByteOrder::CDAB},
    {"BADC", ByteOrder::BADC},
    {"DCBA", ByteOrder::DCBA},
}};

inline constexpr NameTable<BitWrite, 2> bit_write_names{{
    {"mask", BitWrite::mask},
    {"read_modify_write", BitWrite::read_modify_write},
}};

template <class E, std::size_t N>
constexpr std::string_view name_in(const NameTable<E, N>& table, E value) {
  for (const auto& [name, entry] : table) {
    if (entry == value) {
      return name;
    }
  }
  return "?";
}

constexpr std::string_view name_of(LogLevel v) {
  return name_in(log_level_names, v);
}
constexpr std::string_view name_of(MqttVersion v) {
  return name_in(mqtt_version_names, v);
}
constexpr std::string_view name_of(Overflow v) {
  return name_in(overflow_names, v);
}
constexpr std::string_view name_of(Sync v) {
  return name_in(sync_names, v);
}
constexpr std::string_view name_of(Delivery v) {
  return name_in(delivery_names, v);
}
constexpr std::string_view name_of(PayloadFormat v) {
  return name_in(payload_format_names, v);
}
constexpr std::string_view name_of(Protocol v) {
  return name_in(protocol_names, v);
}
constexpr std::string_view name_of(Parity v) {
  return name_in(parity_names, v);
}
constexpr std::string_view name_of(FlowControl v) {
  return name_in(flow_control_names, v);
}
constexpr std::string_view name_of(RegisterKind v) {
  return name_in(register_kind_names, v);
}
constexpr std::string_view name_of(ValueType v) {
  return name_in(value_type_names, v);
}
constexpr std::string_view name_of(ByteOrder v) {
  return name_in(byte_order_names, v);
}

}  // namespace iotgw::config
