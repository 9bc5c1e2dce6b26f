#include "bridge/mqtt/packet/connect.hpp"

#include <string_view>

#include "bridge/mqtt/topic.hpp"
#include "bridge/mqtt/utf8.hpp"

namespace iotgw::bridge::mqtt::packet {
namespace {

// 3.1.2.1: the protocol name; the level is the Version's value (3.1.2.2).
constexpr std::string_view protocol_name = "MQTT";

// 3.1.2.3 figure 3.4: the connect flag bits.
constexpr std::uint8_t flag_reserved = 0x01;
constexpr std::uint8_t flag_clean_session = 0x02;
constexpr std::uint8_t flag_will = 0x04;
constexpr std::uint8_t flag_will_qos_shift = 3;
constexpr std::uint8_t flag_will_qos_mask = 0x18;
constexpr std::uint8_t flag_will_retain = 0x20;
constexpr std::uint8_t flag_password = 0x40;
constexpr std::uint8_t flag_username = 0x80;

// 1.5.3: a string field that is valid UTF-8 and fits its length prefix.
Result<> check_string(std::string_view text, std::string_view field) {
  if (auto checked = check_field_length(text.size(), "CONNECT", field); !checked) {
    return checked.error();
  }
  if (auto checked = check_utf8(text, field); !checked) {
    return Error{checked.error().code, "CONNECT: " + checked.error().reason};
  }
  return {};
}

// The size of a property set in MQTT 5, 0 in 3.1.1 where it must be empty.
Result<std::size_t> connect_properties_size(const Properties& properties, PropertyScope scope,
                                            Version version) {
  if (version != Version::v5) {
    if (!properties.empty()) {
      return require_v5(version, "CONNECT", "properties").error();
    }
    return std::size_t{0};
  }
  return properties_size(properties.items(), scope, "CONNECT");
}

}  // namespace

Result<std::size_t> body_size(const Connect& packet, Version version) {
  // Variable header: name (2 + 4), level, flags, keepalive.
  std::size_t size = 2 + protocol_name.size() + 1 + 1 + 2;
  auto properties = connect_properties_size(packet.properties, PropertyScope::connect, version);
  if (!properties) {
    return properties.error();
  }
  size += *properties;
  if (auto checked = check_string(packet.client_id, "client identifier"); !checked) {
    return checked.error();
  }
  size += 2 + packet.client_id.size();
  if (packet.will) {
    if (auto checked = check_topic_name(packet.will->topic); !checked) {
      return Error{checked.error().code, "CONNECT: will " + checked.error().reason};
    }
    if (static_cast<std::uint8_t>(packet.will->qos) > 2) {
      return Error{Errc::invalid_qos, "CONNECT: will QoS 3"};
    }
    if (auto checked = check_field_length(packet.will->payload.size(), "CONNECT", "will message");
        !checked) {
      return checked.error();
    }
    auto will_properties =
        connect_properties_size(packet.will->properties, PropertyScope::will, version);
    if (!will_properties) {
      return will_properties.error();
    }
    size += *will_properties + 2 + packet.will->topic.size() + 2 + packet.will->payload.size();
  }
  if (packet.username) {
    if (auto checked = check_string(*packet.username, "user name"); !checked) {
      return checked.error();
    }
    size += 2 + packet.username->size();
  }
  if (packet.password) {
    if (!packet.username && version != Version::v5) {
      return Error{Errc::bad_flags, "CONNECT: password without a user name"};
    }
    if (auto checked = check_field_length(packet.password->size(), "CONNECT", "password");
        !checked) {
      return checked.error();
    }
    size += 2 + packet.password->size();
  }
  return size;
}

void write_body(const Connect& packet, Version version, Writer& out) {
  out.string(protocol_name);
  out.u8(static_cast<std::uint8_t>(version));
  std::uint8_t flags = 0;
  if (packet.clean_session) {
    flags |= flag_clean_session;
  }
  if (packet.will) {
    flags |= flag_will;
    flags |= static_cast<std::uint8_t>(static_cast<std::uint8_t>(packet.will->qos)
                                       << flag_will_qos_shift);
    if (packet.will->retain) {
      flags |= flag_will_retain;
    }
  }
  if (packet.password) {
    flags |= flag_password;
  }
  if (packet.username) {
    flags |= flag_username;
  }
  out.u8(flags);
  out.u16(packet.keep_alive);
  if (version == Version::v5) {
    write_properties(packet.properties.items(), out);
  }
  out.string(packet.client_id);
  if (packet.will) {
    if (version == Version::v5) {
      write_properties(packet.will->properties.items(), out);
    }
    out.string(packet.will->topic);
    out.binary(packet.will->payload);
  }
  if (packet.username) {
    out.string(*packet.username);
  }
  if (packet.password) {
    out.binary(*packet.password);
  }
}

Result<Connect> decode_connect(Reader& in) {
  auto name = in.utf8_string("protocol name");
  if (!name) {
    return name.error();
  }
  if (*name != protocol_name) {
    return in.fail(Errc::invalid_protocol, "protocol name is not \"MQTT\"");
  }
  auto level = in.u8("protocol level");
  if (!level) {
    return level.error();
  }
  if (*level != static_cast<std::uint8_t>(in.version())) {
    return in.fail(Errc::invalid_protocol,
                   "protocol level " + std::to_string(static_cast<int>(*level)) + " is not " +
                       std::to_string(static_cast<int>(in.version())) + " (MQTT " +
                       std::string(to_string(in.version())) + ")");
  }
  const bool v5 = in.version() == Version::v5;
  auto flags = in.u8("connect flags");
  if (!flags) {
    return flags.error();
  }
  if ((*flags & flag_reserved) != 0) {
    return in.fail(Errc::bad_flags, "reserved connect flag set");
  }
  const std::uint8_t will_qos = (*flags & flag_will_qos_mask) >> flag_will_qos_shift;
  const bool has_will = (*flags & flag_will) != 0;
  if (!has_will && (will_qos != 0 || (*flags & flag_will_retain) != 0)) {
    return in.fail(Errc::bad_flags, "will QoS or will retain set without the will flag");
  }
  if (will_qos == 3) {
    return in.fail(Errc::invalid_qos, "will QoS 3");
  }
  if (!v5 && (*flags & flag_password) != 0 && (*flags & flag_username) == 0) {
    return in.fail(Errc::bad_flags, "password flag set without the user name flag");
  }
  auto keep_alive = in.u16("keep alive");
  if (!keep_alive) {
    return keep_alive.error();
  }
  Connect packet;
  packet.clean_session = (*flags & flag_clean_session) != 0;
  packet.keep_alive = *keep_alive;
  if (v5) {
    auto properties = read_properties(in, PropertyScope::connect);
    if (!properties) {
      return properties.error();
    }
    packet.properties = std::move(*properties);
  }
  auto client_id = in.utf8_string("client identifier");
  if (!client_id) {
    return client_id.error();
  }
  packet.client_id = std::move(*client_id);
  if (has_will) {
    Properties will_properties;
    if (v5) {
      auto properties = read_properties(in, PropertyScope::will);
      if (!properties) {
        return properties.error();
      }
      will_properties = std::move(*properties);
    }
    auto topic = in.utf8_string("will topic");
    if (!topic) {
      return topic.error();
    }
    if (auto checked = check_topic_name(*topic); !checked) {
      return in.fail(checked.error().code, "will " + checked.error().reason);
    }
    auto message = in.binary("will message");
    if (!message) {
      return message.error();
    }
    packet.will = mqtt::packet::Will{std::move(*topic), std::move(*message),
                                     static_cast<mqtt::packet::Qos>(will_qos),
                                     (*flags & flag_will_retain) != 0, std::move(will_properties)};
  }
  if ((*flags & flag_username) != 0) {
    auto username = in.utf8_string("user name");
    if (!username) {
      return username.error();
    }
    packet.username = std::move(*username);
  }
  if ((*flags & flag_password) != 0) {
    auto password = in.binary("password");
    if (!password) {
      return password.error();
    }
    packet.password = std::move(*password);
  }
  return packet;
}

}  // namespace iotgw::bridge::mqtt::packet
