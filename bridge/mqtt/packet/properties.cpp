#include "bridge/mqtt/packet/properties.hpp"

#include <array>
#include <bitset>

#include "bridge/mqtt/packet/wire.hpp"
#include "bridge/mqtt/topic.hpp"
#include "bridge/mqtt/utf8.hpp"

namespace iotgw::bridge::mqtt::packet {
namespace {

// 5.0 1.5: the data types a property value has on the wire.
enum class Kind : std::uint8_t { byte, two_byte, four_byte, variable, utf8, binary, utf8_pair };

constexpr std::uint16_t in(PropertyScope scope) noexcept {
  return static_cast<std::uint16_t>(1u << static_cast<unsigned>(scope));
}

constexpr std::uint16_t will = in(PropertyScope::will);
constexpr std::uint16_t connect = in(PropertyScope::connect);
constexpr std::uint16_t connack = in(PropertyScope::connack);
constexpr std::uint16_t publish = in(PropertyScope::publish);
constexpr std::uint16_t subscribe = in(PropertyScope::subscribe);
constexpr std::uint16_t disconnect = in(PropertyScope::disconnect);
constexpr std::uint16_t auth = in(PropertyScope::auth);
constexpr std::uint16_t acks = in(PropertyScope::puback) | in(PropertyScope::pubrec) |
                               in(PropertyScope::pubrel) | in(PropertyScope::pubcomp) |
                               in(PropertyScope::suback) | in(PropertyScope::unsuback);
constexpr std::uint16_t everywhere = will | connect | connack | publish | acks | subscribe |
                                     in(PropertyScope::unsubscribe) | disconnect | auth;

struct Rule {
  std::uint8_t id;
  Kind kind;
  std::uint16_t scopes;
  std::uint32_t min;  // smallest valid value of an integer property
  std::uint32_t max;  // largest valid value of an integer property
  std::string_view name;
};

constexpr std::uint32_t any = 0xFFFF'FFFF;
constexpr std::uint32_t largest_variable = 268'435'455;

// 5.0 2.2.2.2 table 2-4, with each property's value rule from chapter 3:
// every byte property is a 0/1 flag (3.1.2.11.7, 3.1.2.11.6, 3.2.2.3.4,
// 3.2.2.3.5, 3.2.2.3.11-13, 3.3.2.3.2), and Receive Maximum, Maximum Packet
// Size, Topic Alias and Subscription Identifier may not be 0 (3.1.2.11.3,
// 3.1.2.11.4, 3.3.2.3.4, 3.8.2.1.2).
constexpr std::array rules = {
    Rule{0x01, Kind::byte, publish | will, 0, 1, "Payload Format Indicator"},
    Rule{0x02, Kind::four_byte, publish | will, 0, any, "Message Expiry Interval"},
    Rule{0x03, Kind::utf8, publish | will, 0, 0, "Content Type"},
    Rule{0x08, Kind::utf8, publish | will, 0, 0, "Response Topic"},
    Rule{0x09, Kind::binary, publish | will, 0, 0, "Correlation Data"},
    Rule{0x0B, Kind::variable, publish | subscribe, 1, largest_variable, "Subscription Identifier"},
    Rule{0x11, Kind::four_byte, connect | connack | disconnect, 0, any, "Session Expiry Interval"},
    Rule{0x12, Kind::utf8, connack, 0, 0, "Assigned Client Identifier"},
    Rule{0x13, Kind::two_byte, connack, 0, 0xFFFF, "Server Keep Alive"},
    Rule{0x15, Kind::utf8, connect | connack | auth, 0, 0, "Authentication Method"},
    Rule{0x16, Kind::binary, connect | connack | auth, 0, 0, "Authentication Data"},
    Rule{0x17, Kind::byte, connect, 0, 1, "Request Problem Information"},
    Rule{0x18, Kind::four_byte, will, 0, any, "Will Delay Interval"},
    Rule{0x19, Kind::byte, connect, 0, 1, "Request Response Information"},
    Rule{0x1A, Kind::utf8, connack, 0, 0, "Response Information"},
    Rule{0x1C, Kind::utf8, connack | disconnect, 0, 0, "Server Reference"},
    Rule{0x1F, Kind::utf8, connack | acks | disconnect | auth, 0, 0, "Reason String"},
    Rule{0x21, Kind::two_byte, connect | connack, 1, 0xFFFF, "Receive Maximum"},
    Rule{0x22, Kind::two_byte, connect | connack, 0, 0xFFFF, "Topic Alias Maximum"},
    Rule{0x23, Kind::two_byte, publish, 1, 0xFFFF, "Topic Alias"},
    Rule{0x24, Kind::byte, connack, 0, 1, "Maximum QoS"},
    Rule{0x25, Kind::byte, connack, 0, 1, "Retain Available"},
    Rule{0x26, Kind::utf8_pair, everywhere, 0, 0, "User Property"},
    Rule{0x27, Kind::four_byte, connect | connack, 1, any, "Maximum Packet Size"},
    Rule{0x28, Kind::byte, connack, 0, 1, "Wildcard Subscription Available"},
    Rule{0x29, Kind::byte, connack, 0, 1, "Subscription Identifier Available"},
    Rule{0x2A, Kind::byte, connack, 0, 1, "Shared Subscription Available"},
};

const Rule* rule_of(std::uint8_t id) noexcept {
  for (const auto& rule : rules) {
    if (rule.id == id) {
      return &rule;
    }
  }
  return nullptr;
}

std::string_view scope_name(PropertyScope scope) noexcept {
  return scope == PropertyScope::will ? std::string_view("the will")
                                      : to_string(static_cast<PacketType>(scope));
}

// 5.0 2.2.2.2: a property may appear once, except User Property anywhere and
// Subscription Identifier in a PUBLISH (one per matching subscription).
bool may_repeat(std::uint8_t id, PropertyScope scope) noexcept {
  return id == static_cast<std::uint8_t>(PropertyId::user_property) ||
         (id == static_cast<std::uint8_t>(PropertyId::subscription_identifier) &&
          scope == PropertyScope::publish);
}

std::size_t integer_size(Kind kind, std::uint32_t value) noexcept {
  switch (kind) {
    case Kind::byte:
      return 1;
    case Kind::two_byte:
      return 2;
    case Kind::four_byte:
      return 4;
    default:
      return remaining_length_size(value);
  }
}

// Tracks which identifiers a property set has seen, and the rules every
// property of the set must keep; shared by the encoder and the decoder so
// that both refuse the same sets.
class SetChecker {
 public:
  SetChecker(PropertyScope scope, std::string_view packet_name)
      : scope_(scope), packet_name_(packet_name) {}

  Error fail(Errc code, std::string_view what) const {
    return Error{code, std::string(packet_name_) + ": " + std::string(what)};
  }

  // The rule of `id`, once `id` is known, allowed here and not repeated.
  Result<const Rule*> admit(std::uint8_t id) {
    const Rule* rule = rule_of(id);
    if (rule == nullptr) {
      return fail(Errc::invalid_property, "unknown property identifier " + std::to_string(id));
    }
    if ((rule->scopes & in(scope_)) == 0) {
      return fail(Errc::invalid_property, std::string(rule->name) + " is not allowed in " +
                                              std::string(scope_name(scope_)));
    }
    if (seen_.test(id) && !may_repeat(id, scope_)) {
      return fail(Errc::duplicate_property, std::string(rule->name) + " appears twice");
    }
    seen_.set(id);
    return rule;
  }

  Result<> check_integer(const Rule& rule, std::uint32_t value) const {
    if (value < rule.min || value > rule.max) {
      return fail(Errc::invalid_property,
                  std::string(rule.name) + " of " + std::to_string(value) + " is out of range");
    }
    return {};
  }

  Result<> check_string(const Rule& rule, std::string_view text) const {
    if (auto checked = check_field_length(text.size(), packet_name_, rule.name); !checked) {
      return checked.error();
    }
    if (auto checked = check_utf8(text, rule.name); !checked) {
      return fail(Errc::invalid_utf8, checked.error().reason);
    }
    // 5.0 3.3.2.3.5: a Response Topic is a topic name, without wildcards.
    if (rule.id == static_cast<std::uint8_t>(PropertyId::response_topic)) {
      if (auto checked = check_topic_name(text); !checked) {
        return fail(checked.error().code, "Response Topic: " + checked.error().reason);
      }
    }
    return {};
  }

  // 5.0 3.1.2.11.10, 3.2.2.3.18, 3.15.2.2.3: Authentication Data only with
  // an Authentication Method.
  Result<> finish() const {
    if (seen_.test(static_cast<std::uint8_t>(PropertyId::authentication_data)) &&
        !seen_.test(static_cast<std::uint8_t>(PropertyId::authentication_method))) {
      return fail(Errc::invalid_property, "Authentication Data without Authentication Method");
    }
    return {};
  }

 private:
  PropertyScope scope_;
  std::string_view packet_name_;
  std::bitset<256> seen_;
};

// The encoded size of `value` as a property of `rule`, after checking it.
Result<std::size_t> value_size(SetChecker& set, const Rule& rule, const PropertyValue& value) {
  const auto wrong_type = [&] {
    return set.fail(Errc::invalid_property,
                    std::string(rule.name) + " holds a value of the wrong type");
  };
  switch (rule.kind) {
    case Kind::byte:
    case Kind::two_byte:
    case Kind::four_byte:
    case Kind::variable: {
      const auto* number = std::get_if<std::uint32_t>(&value);
      if (number == nullptr) {
        return wrong_type();
      }
      if (auto checked = set.check_integer(rule, *number); !checked) {
        return checked.error();
      }
      return integer_size(rule.kind, *number);
    }
    case Kind::utf8: {
      const auto* text = std::get_if<std::string>(&value);
      if (text == nullptr) {
        return wrong_type();
      }
      if (auto checked = set.check_string(rule, *text); !checked) {
        return checked.error();
      }
      return 2 + text->size();
    }
    case Kind::binary: {
      const auto* data = std::get_if<std::vector<std::uint8_t>>(&value);
      if (data == nullptr) {
        return wrong_type();
      }
      if (auto checked = check_field_length(data->size(), "property", rule.name); !checked) {
        return set.fail(Errc::field_too_long, checked.error().reason);
      }
      return 2 + data->size();
    }
    case Kind::utf8_pair: {
      const auto* pair = std::get_if<UserProperty>(&value);
      if (pair == nullptr) {
        return wrong_type();
      }
      if (auto checked = set.check_string(rule, pair->name); !checked) {
        return checked.error();
      }
      if (auto checked = set.check_string(rule, pair->value); !checked) {
        return checked.error();
      }
      return 4 + pair->name.size() + pair->value.size();
    }
  }
  return wrong_type();
}

}  // namespace

std::string_view to_string(PropertyId id) noexcept {
  const Rule* rule = rule_of(static_cast<std::uint8_t>(id));
  return rule != nullptr ? rule->name : "unknown property";
}

std::optional<std::uint32_t> Properties::integer(PropertyId id) const noexcept {
  for (const auto& p : items_) {
    if (p.id == id) {
      if (const auto* number = std::get_if<std::uint32_t>(&p.value)) {
        return *number;
      }
    }
  }
  return std::nullopt;
}

std::optional<std::string_view> Properties::string(PropertyId id) const noexcept {
  for (const auto& p : items_) {
    if (p.id == id) {
      if (const auto* text = std::get_if<std::string>(&p.value)) {
        return std::string_view(*text);
      }
    }
  }
  return std::nullopt;
}

std::optional<std::span<const std::uint8_t>> Properties::binary(PropertyId id) const noexcept {
  for (const auto& p : items_) {
    if (p.id == id) {
      if (const auto* data = std::get_if<std::vector<std::uint8_t>>(&p.value)) {
        return std::span<const std::uint8_t>(*data);
      }
    }
  }
  return std::nullopt;
}

std::vector<UserProperty> Properties::user_properties() const {
  std::vector<UserProperty> found;
  for (const auto& p : items_) {
    if (const auto* pair = std::get_if<UserProperty>(&p.value)) {
      found.push_back(*pair);
    }
  }
  return found;
}

Result<std::size_t> properties_size(std::span<const Property> properties, PropertyScope scope,
                                    std::string_view packet_name) {
  SetChecker set(scope, packet_name);
  std::size_t size = 0;
  for (const auto& p : properties) {
    auto rule = set.admit(static_cast<std::uint8_t>(p.id));
    if (!rule) {
      return rule.error();
    }
    auto bytes = value_size(set, **rule, p.value);
    if (!bytes) {
      return bytes.error();
    }
    size += 1 + *bytes;
  }
  if (auto finished = set.finish(); !finished) {
    return finished.error();
  }
  if (size > max_remaining_length) {
    return set.fail(Errc::packet_too_large, "properties exceed 268435455 bytes");
  }
  return remaining_length_size(size) + size;
}

void write_properties(std::span<const Property> properties, Writer& out) {
  std::size_t size = 0;
  for (const auto& p : properties) {
    const Rule& rule = *rule_of(static_cast<std::uint8_t>(p.id));
    if (const auto* number = std::get_if<std::uint32_t>(&p.value)) {
      size += 1 + integer_size(rule.kind, *number);
    } else if (const auto* text = std::get_if<std::string>(&p.value)) {
      size += 3 + text->size();
    } else if (const auto* data = std::get_if<std::vector<std::uint8_t>>(&p.value)) {
      size += 3 + data->size();
    } else if (const auto* pair = std::get_if<UserProperty>(&p.value)) {
      size += 5 + pair->name.size() + pair->value.size();
    }
  }
  out.remaining_length(size);
  for (const auto& p : properties) {
    const Rule& rule = *rule_of(static_cast<std::uint8_t>(p.id));
    out.u8(rule.id);
    if (const auto* number = std::get_if<std::uint32_t>(&p.value)) {
      switch (rule.kind) {
        case Kind::byte:
          out.u8(static_cast<std::uint8_t>(*number));
          break;
        case Kind::two_byte:
          out.u16(static_cast<std::uint16_t>(*number));
          break;
        case Kind::four_byte:
          out.u32(*number);
          break;
        default:
          out.remaining_length(*number);
          break;
      }
    } else if (const auto* text = std::get_if<std::string>(&p.value)) {
      out.string(*text);
    } else if (const auto* data = std::get_if<std::vector<std::uint8_t>>(&p.value)) {
      out.binary(*data);
    } else if (const auto* pair = std::get_if<UserProperty>(&p.value)) {
      out.string(pair->name);
      out.string(pair->value);
    }
  }
}

Result<Properties> read_properties(Reader& in, PropertyScope scope) {
  auto length = in.variable_integer("property length");
  if (!length) {
    return length.error();
  }
  if (*length > in.remaining()) {
    return in.fail(Errc::truncated, "property length " + std::to_string(*length) +
                                        " runs past the end of the packet");
  }
  const std::size_t end = in.remaining() - *length;
  SetChecker set(scope, in.packet_name());
  Properties found;
  while (in.remaining() > end) {
    auto id = in.u8("property identifier");
    if (!id) {
      return id.error();
    }
    auto admitted = set.admit(*id);
    if (!admitted) {
      return admitted.error();
    }
    const Rule& rule = **admitted;
    const auto property_id = static_cast<PropertyId>(rule.id);
    Result<PropertyValue> value = [&]() -> Result<PropertyValue> {
      switch (rule.kind) {
        case Kind::byte: {
          auto v = in.u8(rule.name);
          return v ? Result<PropertyValue>(std::uint32_t{*v}) : v.error();
        }
        case Kind::two_byte: {
          auto v = in.u16(rule.name);
          return v ? Result<PropertyValue>(std::uint32_t{*v}) : v.error();
        }
        case Kind::four_byte: {
          auto v = in.u32(rule.name);
          return v ? Result<PropertyValue>(*v) : v.error();
        }
        case Kind::variable: {
          auto v = in.variable_integer(rule.name);
          return v ? Result<PropertyValue>(*v) : v.error();
        }
        case Kind::utf8: {
          auto v = in.utf8_string(rule.name);
          return v ? Result<PropertyValue>(std::move(*v)) : v.error();
        }
        case Kind::binary: {
          auto v = in.binary(rule.name);
          return v ? Result<PropertyValue>(std::move(*v)) : v.error();
        }
        case Kind::utf8_pair: {
          auto name = in.utf8_string("User Property name");
          if (!name) {
            return name.error();
          }
          auto v = in.utf8_string("User Property value");
          if (!v) {
            return v.error();
          }
          return PropertyValue(UserProperty{std::move(*name), std::move(*v)});
        }
      }
      return in.fail(Errc::invalid_property, "unknown property kind");
    }();
    if (!value) {
      return value.error();
    }
    if (in.remaining() < end) {
      return in.fail(Errc::truncated, std::string(rule.name) + " runs past the property length");
    }
    if (const auto* number = std::get_if<std::uint32_t>(&*value)) {
      if (auto checked = set.check_integer(rule, *number); !checked) {
        return checked.error();
      }
    } else if (const auto* text = std::get_if<std::string>(&*value)) {
      if (auto checked = set.check_string(rule, *text); !checked) {
        return checked.error();
      }
    }
    found.add(property_id, std::move(*value));
  }
  if (auto finished = set.finish(); !finished) {
    return finished.error();
  }
  return found;
}

}  // namespace iotgw::bridge::mqtt::packet
