// Types shared by every MQTT control packet, in 3.1.1 and in 5.0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace iotgw::bridge::mqtt::packet {

// 2.2.1: the control packet type in the high nibble of the first byte.
enum class PacketType : std::uint8_t {
  connect = 1,
  connack = 2,
  publish = 3,
  puback = 4,
  pubrec = 5,
  pubrel = 6,
  pubcomp = 7,
  subscribe = 8,
  suback = 9,
  unsubscribe = 10,
  unsuback = 11,
  pingreq = 12,
  pingresp = 13,
  disconnect = 14,
  auth = 15,  // MQTT 5 only (5.0 3.15)
};

// The packet's name as the spec writes it ("PUBLISH"), for logs.
std::string_view to_string(PacketType type) noexcept;

// 3.1.2.2 (both versions): the protocol level CONNECT announces. A session
// speaks one version from CONNECT on, and every packet is encoded and decoded
// in it: MQTT 5 adds reason codes and properties to most packets' layouts.
enum class Version : std::uint8_t {
  v3_1_1 = 4,
  v5 = 5,
};

// "3.1.1" or "5", as the configuration writes it.
std::string_view to_string(Version version) noexcept;

// 4.3: quality of service levels; 3 is not a level and never leaves this core.
enum class Qos : std::uint8_t {
  at_most_once = 0,
  at_least_once = 1,
  exactly_once = 2,
};

// 2.2.3: the largest value four remaining-length bytes can carry.
inline constexpr std::size_t max_remaining_length = 268'435'455;

// 1.5.3: strings and binary fields carry a two-byte length.
inline constexpr std::size_t max_field_length = 65'535;

// 2.2: one type byte plus at most four remaining-length bytes.
inline constexpr std::size_t max_fixed_header_size = 5;

}  // namespace iotgw::bridge::mqtt::packet
