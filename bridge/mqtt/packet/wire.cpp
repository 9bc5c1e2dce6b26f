#include "bridge/mqtt/packet/wire.hpp"

#include <cstring>

#include "bridge/mqtt/utf8.hpp"

namespace iotgw::mqtt {

std::string_view to_string(packet_type type) noexcept {
  switch (type) {
    case packet_type::connect:
      return "CONNECT";
    case packet_type::connack:
      return "CONNACK";
    case packet_type::publish:
      return "PUBLISH";
    case packet_type::puback:
      return "PUBACK";
    case packet_type::pubrec:
      return "PUBREC";
    case packet_type::pubrel:
      return "PUBREL";
    case packet_type::pubcomp:
      return "PUBCOMP";
    case packet_type::subscribe:
      return "SUBSCRIBE";
    case packet_type::suback:
      return "SUBACK";
    case packet_type::unsubscribe:
      return "UNSUBSCRIBE";
    case packet_type::unsuback:
      return "UNSUBACK";
    case packet_type::pingreq:
      return "PINGREQ";
    case packet_type::pingresp:
      return "PINGRESP";
    case packet_type::disconnect:
      return "DISCONNECT";
  }
  return "reserved";
}

bool writer::reserve(std::size_t count) noexcept {
  if (overflowed_ || out_.size() - written_ < count) {
    overflowed_ = true;
    return false;
  }
  return true;
}

void writer::u8(std::uint8_t value) noexcept {
  if (reserve(1)) {
    out_[written_++] = value;
  }
}

void writer::u16(std::uint16_t value) noexcept {
  if (reserve(2)) {
    out_[written_++] = static_cast<std::uint8_t>(value >> 8);
    out_[written_++] = static_cast<std::uint8_t>(value & 0xFF);
  }
}

void writer::remaining_length(std::size_t value) noexcept {
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

void writer::string(std::string_view text) noexcept {
  binary({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

void writer::binary(std::span<const std::uint8_t> data) noexcept {
  u16(static_cast<std::uint16_t>(data.size()));
  raw(data);
}

void writer::raw(std::span<const std::uint8_t> data) noexcept {
  if (!data.empty() && reserve(data.size())) {
    std::memcpy(out_.data() + written_, data.data(), data.size());
    written_ += data.size();
  }
}

error reader::fail(errc code, std::string_view what) const {
  return error{code, std::string(packet_name_) + ": " + std::string(what)};
}

result<std::span<const std::uint8_t>> reader::take(std::size_t count, std::string_view field) {
  if (remaining() < count) {
    return fail(errc::truncated, std::string(field) + " needs " + std::to_string(count) +
                                     " bytes but only " + std::to_string(remaining()) +
                                     " remain in the packet");
  }
  const auto taken = in_.subspan(pos_, count);
  pos_ += count;
  return taken;
}

result<std::uint8_t> reader::u8(std::string_view field) {
  auto bytes = take(1, field);
  if (!bytes) {
    return bytes.error();
  }
  return (*bytes)[0];
}

result<std::uint16_t> reader::u16(std::string_view field) {
  auto bytes = take(2, field);
  if (!bytes) {
    return bytes.error();
  }
  return static_cast<std::uint16_t>(((*bytes)[0] << 8) | (*bytes)[1]);
}

result<std::uint16_t> reader::packet_id() {
  auto id = u16("packet identifier");
  if (id && *id == 0) {
    return fail(errc::zero_packet_id, "packet identifier is 0");
  }
  return id;
}

result<std::string> reader::utf8_string(std::string_view field) {
  auto length = u16(std::string(field) + " length");
  if (!length) {
    return length.error();
  }
  auto bytes = take(*length, field);
  if (!bytes) {
    return bytes.error();
  }
  std::string text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  if (auto failure = check_utf8(text, field)) {
    return fail(errc::invalid_utf8, failure->reason);
  }
  return text;
}

result<std::vector<std::uint8_t>> reader::binary(std::string_view field) {
  auto length = u16(std::string(field) + " length");
  if (!length) {
    return length.error();
  }
  auto bytes = take(*length, field);
  if (!bytes) {
    return bytes.error();
  }
  return std::vector<std::uint8_t>(bytes->begin(), bytes->end());
}

std::span<const std::uint8_t> reader::rest() noexcept {
  const auto tail = in_.subspan(pos_);
  pos_ = in_.size();
  return tail;
}

result<std::size_t> packet_id_body_size(std::uint16_t packet_id, std::string_view packet_name) {
  if (packet_id == 0) {
    return error{errc::zero_packet_id, std::string(packet_name) + ": packet identifier is 0"};
  }
  return std::size_t{2};
}

check_result check_field_length(std::size_t length, std::string_view packet_name,
                                std::string_view field) {
  if (length > max_field_length) {
    return error{errc::field_too_long, std::string(packet_name) + ": " + std::string(field) +
                                           " is " + std::to_string(length) +
                                           " bytes, more than 65535"};
  }
  return std::nullopt;
}

// 2.2.2 table 2.2 and 3.3.1: PUBREL, SUBSCRIBE and UNSUBSCRIBE carry 0b0010,
// PUBLISH carries DUP/QoS/RETAIN, every other packet 0b0000.
check_result check_fixed_flags(std::uint8_t first_byte) {
  const auto type = static_cast<packet_type>(first_byte >> 4);
  const std::uint8_t flags = first_byte & 0x0F;
  const std::string name(to_string(type));
  switch (type) {
    case packet_type::publish: {
      const std::uint8_t level = (flags >> 1) & 0x03;
      if (level == 3) {
        return error{errc::invalid_qos, "PUBLISH: QoS 3 in the fixed header"};
      }
      if (level == 0 && (flags & 0x08) != 0) {
        return error{errc::bad_flags, "PUBLISH: DUP set on a QoS 0 message"};
      }
      return std::nullopt;
    }
    case packet_type::pubrel:
    case packet_type::subscribe:
    case packet_type::unsubscribe:
      if (flags != 0x02) {
        return error{errc::bad_flags,
                     name + ": fixed-header flags must be 0010, got " + std::to_string(flags)};
      }
      return std::nullopt;
    case packet_type::connect:
    case packet_type::connack:
    case packet_type::puback:
    case packet_type::pubrec:
    case packet_type::pubcomp:
    case packet_type::suback:
    case packet_type::unsuback:
    case packet_type::pingreq:
    case packet_type::pingresp:
    case packet_type::disconnect:
      if (flags != 0x00) {
        return error{errc::bad_flags,
                     name + ": fixed-header flags must be 0000, got " + std::to_string(flags)};
      }
      return std::nullopt;
  }
  return error{errc::bad_packet_type,
               "reserved control packet type " + std::to_string(first_byte >> 4)};
}

check_result check_packet_size(const fixed_header& header, std::size_t max_packet_size) {
  if (header.packet_size() > max_packet_size) {
    return error{errc::packet_too_large, std::string(to_string(header.type())) + ": packet of " +
                                             std::to_string(header.packet_size()) +
                                             " bytes exceeds the maximum of " +
                                             std::to_string(max_packet_size)};
  }
  return std::nullopt;
}

// 2.2.1, 2.2.2, 2.2.3: type, flags and a remaining length of at most four
// bytes, each rejected as soon as the byte that breaks it has arrived.
result<std::optional<fixed_header>> parse_fixed_header(std::span<const std::uint8_t> data,
                                                       std::size_t max_packet_size) {
  if (data.empty()) {
    return std::optional<fixed_header>{};
  }
  if (auto failure = check_fixed_flags(data[0])) {
    return *failure;
  }
  std::size_t value = 0;
  std::size_t multiplier = 1;
  for (std::size_t i = 1; i < max_fixed_header_size; ++i) {
    if (i >= data.size()) {
      return std::optional<fixed_header>{};
    }
    value += (data[i] & 0x7F) * multiplier;
    multiplier *= 128;
    if ((data[i] & 0x80) == 0) {
      const fixed_header header{data[0], value, i + 1};
      if (auto failure = check_packet_size(header, max_packet_size)) {
        return *failure;
      }
      return std::optional<fixed_header>{header};
    }
  }
  return error{errc::bad_remaining_length, "remaining length continues past its fourth byte"};
}

}  // namespace iotgw::mqtt
