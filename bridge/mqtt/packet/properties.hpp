// Properties (MQTT 5.0 section 2.2.2): the typed, optional fields MQTT 5
// adds to most packets and to the will. Every property has one identifier,
// one wire type and a set of packets it may appear in; the codec refuses a
// property in the wrong packet, of a value the spec forbids, or repeated
// where the spec allows it once, both when encoding and when decoding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bridge/mqtt/error.hpp"
#include "bridge/mqtt/packet/types.hpp"

namespace iotgw::bridge::mqtt::packet {

// 5.0 2.2.2.2 table 2-4: the property identifiers.
enum class PropertyId : std::uint8_t {
  payload_format_indicator = 0x01,
  message_expiry_interval = 0x02,
  content_type = 0x03,
  response_topic = 0x08,
  correlation_data = 0x09,
  subscription_identifier = 0x0B,
  session_expiry_interval = 0x11,
  assigned_client_identifier = 0x12,
  server_keep_alive = 0x13,
  authentication_method = 0x15,
  authentication_data = 0x16,
  request_problem_information = 0x17,
  will_delay_interval = 0x18,
  request_response_information = 0x19,
  response_information = 0x1A,
  server_reference = 0x1C,
  reason_string = 0x1F,
  receive_maximum = 0x21,
  topic_alias_maximum = 0x22,
  topic_alias = 0x23,
  maximum_qos = 0x24,
  retain_available = 0x25,
  user_property = 0x26,
  maximum_packet_size = 0x27,
  wildcard_subscription_available = 0x28,
  subscription_identifier_available = 0x29,
  shared_subscription_available = 0x2A,
};

// The spec's name of a property ("Topic Alias"), for errors and logs.
std::string_view to_string(PropertyId id) noexcept;

// Where a property set sits: in a packet of that type, or in the will
// (CONNECT's payload carries the will's own properties, 5.0 3.1.3.2).
enum class PropertyScope : std::uint8_t {
  will = 0,
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
  disconnect = 14,
  auth = 15,
};

constexpr PropertyScope scope_of(PacketType type) noexcept {
  return static_cast<PropertyScope>(type);
}

// 5.0 3.1.2.11.8: a name and value pair; the only property that may repeat
// in every packet that allows it.
struct UserProperty {
  std::string name;
  std::string value;

  friend bool operator==(const UserProperty&, const UserProperty&) = default;
};

// Byte, two- and four-byte integers and variable byte integers all fit a
// uint32; the identifier says which width goes on the wire.
using PropertyValue =
    std::variant<std::uint32_t, std::string, std::vector<std::uint8_t>, UserProperty>;

struct Property {
  PropertyId id;
  PropertyValue value;

  friend bool operator==(const Property&, const Property&) = default;
};

// The properties of one packet, in wire order. Lookups are linear: a packet
// carries a handful.
class Properties {
 public:
  Properties() = default;
  Properties(std::initializer_list<Property> items) : items_(items) {}
  explicit Properties(std::span<const Property> items) : items_(items.begin(), items.end()) {}

  void add(PropertyId id, PropertyValue value) { items_.push_back({id, std::move(value)}); }
  void add_user(std::string name, std::string value) {
    items_.push_back({PropertyId::user_property, UserProperty{std::move(name), std::move(value)}});
  }

  bool empty() const noexcept { return items_.empty(); }
  std::span<const Property> items() const noexcept { return items_; }

  // The first property `id` of the matching kind, if any.
  std::optional<std::uint32_t> integer(PropertyId id) const noexcept;
  std::optional<std::string_view> string(PropertyId id) const noexcept;
  std::optional<std::span<const std::uint8_t>> binary(PropertyId id) const noexcept;
  // Every User Property, in order.
  std::vector<UserProperty> user_properties() const;

  friend bool operator==(const Properties&, const Properties&) = default;

 private:
  std::vector<Property> items_;
};

class Writer;
class Reader;

// 5.0 2.2.2: checks every property against its place, wire type, value range
// and repetition rules, then returns the size of the property length
// (a variable byte integer) plus the properties.
Result<std::size_t> properties_size(std::span<const Property> properties, PropertyScope scope,
                                    std::string_view packet_name);

// 5.0 2.2.2: writes the property length and the properties checked by
// properties_size().
void write_properties(std::span<const Property> properties, Writer& out);

// 5.0 2.2.2: reads a property length and that many bytes of properties,
// checking each as properties_size() does.
Result<Properties> read_properties(Reader& in, PropertyScope scope);

}  // namespace iotgw::bridge::mqtt::packet
