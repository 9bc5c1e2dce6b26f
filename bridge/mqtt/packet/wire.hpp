// The primitive fields every packet is made of (MQTT 3.1.1 sections 1.5 and
// 2.2, MQTT 5.0 section 1.5): bounded readers and writers over caller-owned
// byte spans.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/mqtt/error.hpp"
#include "bridge/mqtt/packet/types.hpp"

namespace iotgw::bridge::mqtt::packet {

// 2.2.3: how many bytes encode `remaining` as a remaining length (1 to 4).
constexpr std::size_t remaining_length_size(std::size_t remaining) noexcept {
  if (remaining < 128) {
    return 1;
  }
  if (remaining < 16'384) {
    return 2;
  }
  if (remaining < 2'097'152) {
    return 3;
  }
  return 4;
}

// Writes fields into a fixed span. A write that does not fit is dropped and
// marks the writer overflowed, so a size mismatch can never scribble memory.
class Writer {
 public:
  explicit Writer(std::span<std::uint8_t> out) noexcept : out_(out) {}

  void u8(std::uint8_t value) noexcept;
  // 1.5.2: big-endian 16-bit integer.
  void u16(std::uint16_t value) noexcept;
  // 5.0 1.5.3: big-endian 32-bit integer.
  void u32(std::uint32_t value) noexcept;
  // 2.2.3, 5.0 1.5.5: a variable byte integer (the remaining length, a
  // property length), seven bits per byte, least significant first.
  void remaining_length(std::size_t value) noexcept;
  // 1.5.3: two-byte length then the bytes; the caller checked the length.
  void string(std::string_view text) noexcept;
  // A two-byte length then the bytes (will message, password).
  void binary(std::span<const std::uint8_t> data) noexcept;
  // Raw bytes without a length prefix (the PUBLISH payload).
  void raw(std::span<const std::uint8_t> data) noexcept;

  std::size_t written() const noexcept { return written_; }
  bool overflowed() const noexcept { return overflowed_; }

 private:
  bool reserve(std::size_t count) noexcept;

  std::span<std::uint8_t> out_;
  std::size_t written_ = 0;
  bool overflowed_ = false;
};

// Reads fields from a span that holds exactly one packet's remaining length,
// so no field can be read past it; errors name the packet and the field.
class Reader {
 public:
  Reader(std::span<const std::uint8_t> in, std::string_view packet_name, Version version) noexcept
      : in_(in), packet_name_(packet_name), version_(version) {}

  std::size_t remaining() const noexcept { return in_.size() - pos_; }
  bool empty() const noexcept { return pos_ == in_.size(); }
  std::string_view packet_name() const noexcept { return packet_name_; }
  // The protocol version the packet is read in.
  Version version() const noexcept { return version_; }

  Result<std::uint8_t> u8(std::string_view field);
  // 1.5.2: big-endian 16-bit integer.
  Result<std::uint16_t> u16(std::string_view field);
  // 5.0 1.5.3: big-endian 32-bit integer.
  Result<std::uint32_t> u32(std::string_view field);
  // 5.0 1.5.5: a variable byte integer of at most four bytes, in its
  // shortest form.
  Result<std::uint32_t> variable_integer(std::string_view field);
  // 2.3.1: a packet identifier, which must be non-zero.
  Result<std::uint16_t> packet_id();
  // 1.5.3: a length-prefixed UTF-8 string, checked against the UTF-8 rules.
  Result<std::string> utf8_string(std::string_view field);
  // 4.7.1: one topic filter of a SUBSCRIBE or UNSUBSCRIBE payload.
  Result<std::string> topic_filter();
  // A length-prefixed run of bytes (will message, password).
  Result<std::vector<std::uint8_t>> binary(std::string_view field);
  // Everything not read yet (the PUBLISH payload).
  std::span<const std::uint8_t> rest() noexcept;

  // An error of the given code whose reason names the packet and the field.
  Error fail(Errc code, std::string_view what) const;

 private:
  Result<std::span<const std::uint8_t>> take(std::size_t count, std::string_view field);
  // 1.5.3: a two-byte length, then that many bytes.
  Result<std::span<const std::uint8_t>> length_prefixed(std::string_view field);

  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
  std::string_view packet_name_;
  Version version_;
};

// 2.3.1: the body size of a packet that carries only a packet id (2), or an
// error if the id is 0.
Result<std::size_t> packet_id_body_size(std::uint16_t packet_id, std::string_view packet_name);

// An error if `version` is not MQTT 5 but `packet` needs it: a packet MQTT
// 3.1.1 does not have (AUTH), or reason codes and properties it cannot carry.
Result<> require_v5(Version version, std::string_view packet_name, std::string_view what);

// 1.5.3: an error if a string or binary field is longer than 65535 bytes.
Result<> check_field_length(std::size_t length, std::string_view packet_name,
                            std::string_view field);

// The fixed header of one packet (2.2), parsed before its body has arrived.
struct FixedHeader {
  std::uint8_t first_byte = 0;
  std::size_t remaining_length = 0;
  std::size_t header_size = 0;  // 2 to 5

  PacketType type() const noexcept { return static_cast<PacketType>(first_byte >> 4); }
  std::uint8_t flags() const noexcept { return first_byte & 0x0F; }
  std::size_t packet_size() const noexcept { return header_size + remaining_length; }
};

// 2.2.2 table 2.2: whether the four flag bits are allowed for the packet type
// of `first_byte` (PUBLISH: any QoS but 3, DUP only with QoS > 0).
Result<> check_fixed_flags(std::uint8_t first_byte);

// 2.2: an error if the packet of `header` is larger than `max_packet_size`
// (header included).
Result<> check_packet_size(const FixedHeader& header, std::size_t max_packet_size);

// 2.2: parses a fixed header from the start of `data`. Yields an empty
// optional while more bytes are needed; rejects a bad type or flags from the
// first byte, a remaining length of more than four bytes, and any packet
// larger than `max_packet_size` (header included) as soon as it is known.
Result<std::optional<FixedHeader>> parse_fixed_header(std::span<const std::uint8_t> data,
                                                      std::size_t max_packet_size);

}  // namespace iotgw::bridge::mqtt::packet
