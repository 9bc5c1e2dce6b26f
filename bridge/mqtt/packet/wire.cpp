#include "bridge/mqtt/packet/wire.hpp"

#include <cstring>

#include "bridge/mqtt/topic.hpp"
#include "bridge/mqtt/utf8.hpp"

namespace iotgw::bridge::mqtt::packet {

std::string_view to_string(PacketType type) noexcept {
  switch (type) {
    case PacketType::connect:
      return "CONNECT";
    case PacketType::connack:
      return "CONNACK";
    case PacketType::publish:
      return "PUBLISH";
    case PacketType::puback:
      return "PUBACK";
    case PacketType::pubrec:
      return "PUBREC";
    case PacketType::pubrel:
      return "PUBREL";
    case PacketType::pubcomp:
      return "PUBCOMP";
    case PacketType::subscribe:
      return "SUBSCRIBE";
    case PacketType::suback:
      return "SUBACK";
    case PacketType::unsubscribe:
      return "UNSUBSCRIBE";
    case PacketType::unsuback:
      return "UNSUBACK";
    case PacketType::pingreq:
      return "PINGREQ";
    case PacketType::pingresp:
      return "PINGRESP";
    case PacketType::disconnect:
      return "DISCONNECT";
    case PacketType::auth:
      return "AUTH";
  }
  return "reserved";
}

std::string_view to_string(Version version) noexcept {
  switch (version) {
    case Version::v3_1_1:
      return "3.1.1";
    case Version::v5:
      return "5";
  }
  return "unknown";
}

bool Writer::reserve(std::size_t count) noexcept {
  if (overflowed_ || out_.size() - written_ < count) {
    overflowed_ = true;
    return false;
  }
  return true;
}

void Writer::u8(std::uint8_t value) noexcept {
  if (reserve(1)) {
    out_[written_++] = value;
  }
}

void Writer::u16(std::uint16_t value) noexcept {
  if (reserve(2)) {
    out_[written_++] = static_cast<std::uint8_t>(value >> 8);
    out_[written_++] = static_cast<std::uint8_t>(value & 0xFF);
  }
}

void Writer::u32(std::uint32_t value) noexcept {
  if (reserve(4)) {
    out_[written_++] = static_cast<std::uint8_t>(value >> 24);
    out_[written_++] = static_cast<std::uint8_t>((value >> 16) & 0xFF);
    out_[written_++] = static_cast<std::uint8_t>((value >> 8) & 0xFF);
    out_[written_++] = static_cast<std::uint8_t>(value & 0xFF);
  }
}

void Writer::remaining_length(std::size_t value) noexcept {
  if (!reserve(remaining_length_size(value))) {
    return;
  }
  do {
    std::uint8_t digit = value % 128;
    value /= 128;
    if (value > 0) {
      digit |= 0x80;
    }
    out_[written_++] = digit;
  } while (value > 0);
}

void Writer::string(std::string_view text) noexcept {
  binary({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

void Writer::binary(std::span<const std::uint8_t> data) noexcept {
  u16(static_cast<std::uint16_t>(data.size()));
  raw(data);
}

void Writer::raw(std::span<const std::uint8_t> data) noexcept {
  if (!data.empty() && reserve(data.size())) {
    std::memcpy(out_.data() + written_, data.data(), data.size());
    written_ += data.size();
  }
}

Error Reader::fail(Errc code, std::string_view what) const {
  return Error{code, std::string(packet_name_) + ": " + std::string(what)};
}

Result<std::span<const std::uint8_t>> Reader::take(std::size_t count, std::string_view field) {
  if (remaining() < count) {
    return fail(Errc::truncated, std::string(field) + " needs " + std::to_string(count) +
                                     " bytes but only " + std::to_string(remaining()) +
                                     " remain in the packet");
  }
  const auto taken = in_.subspan(pos_, count);
  pos_ += count;
  return taken;
}

Result<std::uint8_t> Reader::u8(std::string_view field) {
  auto bytes = take(1, field);
  if (!bytes) {
    return bytes.error();
  }
  return (*bytes)[0];
}

Result<std::uint16_t> Reader::u16(std::string_view field) {
  auto bytes = take(2, field);
  if (!bytes) {
    return bytes.error();
  }
  return static_cast<std::uint16_t>(((*bytes)[0] << 8) | (*bytes)[1]);
}

Result<std::uint32_t> Reader::u32(std::string_view field) {
  auto bytes = take(4, field);
  if (!bytes) {
    return bytes.error();
  }
  return (std::uint32_t{(*bytes)[0]} << 24) | (std::uint32_t{(*bytes)[1]} << 16) |
         (std::uint32_t{(*bytes)[2]} << 8) | std::uint32_t{(*bytes)[3]};
}

Result<std::uint32_t> Reader::variable_integer(std::string_view field) {
  std::uint32_t value = 0;
  for (unsigned i = 0; i < 4; ++i) {
    auto byte = u8(field);
    if (!byte) {
      return byte.error();
    }
    value |= std::uint32_t{*byte & 0x7Fu} << (7 * i);
    if ((*byte & 0x80) == 0) {
      if (i > 0 && *byte == 0) {
        return fail(Errc::bad_remaining_length,
                    std::string(field) + " is not in its shortest form");
      }
      return value;
    }
  }
  return fail(Errc::bad_remaining_length, std::string(field) + " continues past its fourth byte");
}

Result<std::uint16_t> Reader::packet_id() {
  auto id = u16("packet identifier");
  if (id && *id == 0) {
    return fail(Errc::zero_packet_id, "packet identifier is 0");
  }
  return id;
}

Result<std::span<const std::uint8_t>> Reader::length_prefixed(std::string_view field) {
  auto length = u16(std::string(field) + " length");
  if (!length) {
    return length.error();
  }
  return take(*length, field);
}

Result<std::string> Reader::utf8_string(std::string_view field) {
  auto bytes = length_prefixed(field);
  if (!bytes) {
    return bytes.error();
  }
  std::string text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  if (auto checked = check_utf8(text, field); !checked) {
    return fail(Errc::invalid_utf8, checked.error().reason);
  }
  return text;
}

Result<std::string> Reader::topic_filter() {
  auto filter = utf8_string("topic filter");
  if (!filter) {
    return filter.error();
  }
  if (auto checked = check_topic_filter(*filter); !checked) {
    return fail(checked.error().code, checked.error().reason);
  }
  return filter;
}

Result<std::vector<std::uint8_t>> Reader::binary(std::string_view field) {
  auto bytes = length_prefixed(field);
  if (!bytes) {
    return bytes.error();
  }
  return std::vector<std::uint8_t>(bytes->begin(), bytes->end());
}

std::span<const std::uint8_t> Reader::rest() noexcept {
  const auto tail = in_.subspan(pos_);
  pos_ = in_.size();
  return tail;
}

Result<std::size_t> packet_id_body_size(std::uint16_t packet_id, std::string_view packet_name) {
  if (packet_id == 0) {
    return Error{Errc::zero_packet_id, std::string(packet_name) + ": packet identifier is 0"};
  }
  return std::size_t{2};
}

Result<> require_v5(Version version, std::string_view packet_name, std::string_view what) {
  if (version != Version::v5) {
    return Error{Errc::unsupported_in_version,
                 std::string(packet_name) + ": " + std::string(what) + " needs MQTT 5"};
  }
  return {};
}

Result<> check_field_length(std::size_t length, std::string_view packet_name,
                            std::string_view field) {
  if (length > max_field_length) {
    return Error{Errc::field_too_long, std::string(packet_name) + ": " + std::string(field) +
                                           " is " + std::to_string(length) +
                                           " bytes, more than 65535"};
  }
  return {};
}

namespace {

// The fixed-header flags of the packet `name` must be `expected`, written
// out in binary as `bits`.
Result<> require_flags(const std::string& name, std::uint8_t flags, std::uint8_t expected,
                       std::string_view bits) {
  if (flags != expected) {
    return Error{Errc::bad_flags, name + ": fixed-header flags must be " + std::string(bits) +
                                      ", got " + std::to_string(flags)};
  }
  return {};
}

}  // namespace

// 2.2.2 table 2.2 and 3.3.1 (5.0 2.1.3 alike): PUBREL, SUBSCRIBE and
// UNSUBSCRIBE carry 0b0010, PUBLISH carries DUP/QoS/RETAIN, every other
// packet 0b0000. AUTH is an MQTT 5 packet; decode_body() refuses it in 3.1.1.
Result<> check_fixed_flags(std::uint8_t first_byte) {
  const auto type = static_cast<PacketType>(first_byte >> 4);
  const std::uint8_t flags = first_byte & 0x0F;
  const std::string name(to_string(type));
  switch (type) {
    case PacketType::publish: {
      const std::uint8_t level = (flags >> 1) & 0x03;
      if (level == 3) {
        return Error{Errc::invalid_qos, "PUBLISH: QoS 3 in the fixed header"};
      }
      if (level == 0 && (flags & 0x08) != 0) {
        return Error{Errc::bad_flags, "PUBLISH: DUP set on a QoS 0 message"};
      }
      return {};
    }
    case PacketType::pubrel:
    case PacketType::subscribe:
    case PacketType::unsubscribe:
      return require_flags(name, flags, 0x02, "0010");
    case PacketType::connect:
    case PacketType::connack:
    case PacketType::puback:
    case PacketType::pubrec:
    case PacketType::pubcomp:
    case PacketType::suback:
    case PacketType::unsuback:
    case PacketType::pingreq:
    case PacketType::pingresp:
    case PacketType::disconnect:
    case PacketType::auth:
      return require_flags(name, flags, 0x00, "0000");
  }
  return Error{Errc::bad_packet_type,
               "reserved control packet type " + std::to_string(first_byte >> 4)};
}

Result<> check_packet_size(const FixedHeader& header, std::size_t max_packet_size) {
  if (header.packet_size() > max_packet_size) {
    return Error{Errc::packet_too_large, std::string(to_string(header.type())) + ": packet of " +
                                             std::to_string(header.packet_size()) +
                                             " bytes exceeds the maximum of " +
                                             std::to_string(max_packet_size)};
  }
  return {};
}

// 2.2.1, 2.2.2, 2.2.3: type, flags and a remaining length of at most four
// bytes, each rejected as soon as the byte that breaks it has arrived.
Result<std::optional<FixedHeader>> parse_fixed_header(std::span<const std::uint8_t> data,
                                                      std::size_t max_packet_size) {
  if (data.empty()) {
    return std::optional<FixedHeader>{};
  }
  if (auto checked = check_fixed_flags(data[0]); !checked) {
    return checked.error();
  }
  std::size_t value = 0;
  std::size_t multiplier = 1;
  for (std::size_t i = 1; i < max_fixed_header_size; ++i) {
    if (i >= data.size()) {
      return std::optional<FixedHeader>{};
    }
    value += (data[i] & 0x7F) * multiplier;
    multiplier *= 128;
    if ((data[i] & 0x80) == 0) {
      const FixedHeader header{data[0], value, i + 1};
      if (auto checked = check_packet_size(header, max_packet_size); !checked) {
        return checked.error();
      }
      return std::optional<FixedHeader>{header};
    }
  }
  return Error{Errc::bad_remaining_length, "remaining length continues past its fourth byte"};
}

}  // namespace iotgw::bridge::mqtt::packet
