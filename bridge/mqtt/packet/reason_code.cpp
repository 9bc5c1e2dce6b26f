#include "bridge/mqtt/packet/reason_code.hpp"

#include <array>

namespace iotgw::bridge::mqtt::packet {
namespace {

// One bit per packet type, so a row of table 2-6 is one mask.
constexpr std::uint16_t bit(PacketType type) noexcept {
  return static_cast<std::uint16_t>(1u << static_cast<unsigned>(type));
}

constexpr std::uint16_t connack = bit(PacketType::connack);
constexpr std::uint16_t puback = bit(PacketType::puback);
constexpr std::uint16_t pubrec = bit(PacketType::pubrec);
constexpr std::uint16_t pubrel = bit(PacketType::pubrel);
constexpr std::uint16_t pubcomp = bit(PacketType::pubcomp);
constexpr std::uint16_t suback = bit(PacketType::suback);
constexpr std::uint16_t unsuback = bit(PacketType::unsuback);
constexpr std::uint16_t disconnect = bit(PacketType::disconnect);
constexpr std::uint16_t auth = bit(PacketType::auth);

struct Row {
  std::uint8_t code;
  std::uint16_t packets;
  std::string_view name;
};

// 5.0 2.4 table 2-6, row by row.
constexpr std::array rows = {
    Row{0x00, connack | puback | pubrec | pubrel | pubcomp | suback | unsuback | disconnect | auth,
        "Success"},
    Row{0x01, suback, "Granted QoS 1"},
    Row{0x02, suback, "Granted QoS 2"},
    Row{0x04, disconnect, "Disconnect with Will Message"},
    Row{0x10, puback | pubrec, "No matching subscribers"},
    Row{0x11, unsuback, "No subscription existed"},
    Row{0x18, auth, "Continue authentication"},
    Row{0x19, auth, "Re-authenticate"},
    Row{0x80, connack | puback | pubrec | suback | unsuback | disconnect, "Unspecified error"},
    Row{0x81, connack | disconnect, "Malformed Packet"},
    Row{0x82, connack | disconnect, "Protocol Error"},
    Row{0x83, connack | puback | pubrec | suback | unsuback | disconnect,
        "Implementation specific error"},
    Row{0x84, connack, "Unsupported Protocol Version"},
    Row{0x85, connack, "Client Identifier not valid"},
    Row{0x86, connack, "Bad User Name or Password"},
    Row{0x87, connack | puback | pubrec | suback | unsuback | disconnect, "Not authorized"},
    Row{0x88, connack, "Server unavailable"},
    Row{0x89, connack | disconnect, "Server busy"},
    Row{0x8A, connack, "Banned"},
    Row{0x8B, disconnect, "Server shutting down"},
    Row{0x8C, connack | disconnect, "Bad authentication method"},
    Row{0x8D, disconnect, "Keep Alive timeout"},
    Row{0x8E, disconnect, "Session taken over"},
    Row{0x8F, suback | unsuback | disconnect, "Topic Filter invalid"},
    Row{0x90, connack | puback | pubrec | disconnect, "Topic Name invalid"},
    Row{0x91, puback | pubrec | suback | unsuback, "Packet Identifier in use"},
    Row{0x92, pubrel | pubcomp, "Packet Identifier not found"},
    Row{0x93, disconnect, "Receive Maximum exceeded"},
    Row{0x94, disconnect, "Topic Alias invalid"},
    Row{0x95, connack | disconnect, "Packet too large"},
    Row{0x96, disconnect, "Message rate too high"},
    Row{0x97, connack | puback | pubrec | suback | disconnect, "Quota exceeded"},
    Row{0x98, disconnect, "Administrative action"},
    Row{0x99, connack | puback | pubrec | disconnect, "Payload format invalid"},
    Row{0x9A, connack | disconnect, "Retain not supported"},
    Row{0x9B, connack | disconnect, "QoS not supported"},
    Row{0x9C, connack | disconnect, "Use another server"},
    Row{0x9D, connack | disconnect, "Server moved"},
    Row{0x9E, suback | disconnect, "Shared Subscriptions not supported"},
    Row{0x9F, connack | disconnect, "Connection rate exceeded"},
    Row{0xA0, disconnect, "Maximum connect time"},
    Row{0xA1, suback | disconnect, "Subscription Identifiers not supported"},
    Row{0xA2, suback | disconnect, "Wildcard Subscriptions not supported"},
};

const Row* find(ReasonCode code) noexcept {
  for (const auto& row : rows) {
    if (row.code == static_cast<std::uint8_t>(code)) {
      return &row;
    }
  }
  return nullptr;
}

}  // namespace

bool allowed_in(ReasonCode code, PacketType type) noexcept {
  const Row* row = find(code);
  return row != nullptr && static_cast<unsigned>(type) < 16 && (row->packets & bit(type)) != 0;
}

std::string_view to_string(ReasonCode code) noexcept {
  const Row* row = find(code);
  return row != nullptr ? row->name : "reserved";
}

}  // namespace iotgw::bridge::mqtt::packet
