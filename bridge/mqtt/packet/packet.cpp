#include "bridge/mqtt/packet/packet.hpp"

namespace iotgw::bridge::mqtt::packet {
namespace {

// Wraps a decoded alternative into the variant, or passes the error on.
template <class P>
Result<Packet> wrap(Result<P>&& decoded) {
  if (!decoded) {
    return decoded.error();
  }
  return Packet{std::move(decoded).value()};
}

}  // namespace

Result<std::size_t> encoded_size(const Packet& any, Version version) {
  return std::visit(
      [version](const auto& alternative) { return encoded_size(alternative, version); }, any);
}

Result<std::size_t> encode(const Packet& any, Version version, std::span<std::uint8_t> out) {
  return std::visit(
      [version, out](const auto& alternative) { return encode(alternative, version, out); }, any);
}

Result<std::size_t> encode(const Packet& any, Version version, std::vector<std::uint8_t>& out) {
  return std::visit(
      [version, &out](const auto& alternative) { return encode(alternative, version, out); }, any);
}

Result<Packet> decode_body(const FixedHeader& header, std::span<const std::uint8_t> body,
                           Version version) {
  // The header may not come from parse_fixed_header: check type and flags again.
  if (auto checked = check_fixed_flags(header.first_byte); !checked) {
    return checked.error();
  }
  if (header.type() == PacketType::auth && version != Version::v5) {
    return Error{Errc::bad_packet_type, "reserved control packet type 15 (AUTH is MQTT 5)"};
  }
  // 5.0 2.1.4 and 5.0 1.5.5: in MQTT 5 the remaining length is a variable
  // byte integer, which takes the fewest bytes; 2.2.3 does not ask it.
  if (version == Version::v5 &&
      header.header_size != 1 + remaining_length_size(header.remaining_length)) {
    return Error{Errc::bad_remaining_length,
                 std::string(to_string(header.type())) + ": remaining length " +
                     std::to_string(header.remaining_length) + " is not in its shortest form"};
  }
  Reader in(body, to_string(header.type()), version);
  Result<Packet> decoded = [&]() -> Result<Packet> {
    switch (header.type()) {
      case PacketType::connect:
        return wrap(decode_connect(in));
      case PacketType::connack:
        return wrap(decode_connack(in));
      case PacketType::publish:
        return wrap(decode_publish(header.flags(), in));
      case PacketType::puback:
        return wrap(decode_acknowledgement<PacketType::puback>(in));
      case PacketType::pubrec:
        return wrap(decode_acknowledgement<PacketType::pubrec>(in));
      case PacketType::pubrel:
        return wrap(decode_acknowledgement<PacketType::pubrel>(in));
      case PacketType::pubcomp:
        return wrap(decode_acknowledgement<PacketType::pubcomp>(in));
      case PacketType::subscribe:
        return wrap(decode_subscribe(in));
      case PacketType::suback:
        return wrap(decode_suback(in));
      case PacketType::unsubscribe:
        return wrap(decode_unsubscribe(in));
      case PacketType::unsuback:
        return wrap(decode_unsuback(in));
      case PacketType::pingreq:
        return wrap(decode_pingreq(in));
      case PacketType::pingresp:
        return wrap(decode_pingresp(in));
      case PacketType::disconnect:
        return wrap(decode_disconnect(in));
      case PacketType::auth:
        return wrap(decode_auth(in));
    }
    return Error{Errc::bad_packet_type,
                 "reserved control packet type " + std::to_string(header.first_byte >> 4)};
  }();
  if (decoded && !in.empty()) {
    return in.fail(Errc::trailing_bytes,
                   std::to_string(in.remaining()) + " bytes left after the last field");
  }
  return decoded;
}

Result<Packet> decode(std::span<const std::uint8_t> bytes, Version version,
                      const DecodeLimits& limits) {
  auto parsed = parse_fixed_header(bytes, limits.max_packet_size);
  if (!parsed) {
    return parsed.error();
  }
  if (!*parsed) {
    return Error{Errc::truncated, "fixed header runs past the end of the buffer"};
  }
  const FixedHeader& header = **parsed;
  if (bytes.size() < header.packet_size()) {
    return Error{Errc::truncated, std::string(to_string(header.type())) + ": remaining length " +
                                      std::to_string(header.remaining_length) +
                                      " runs past the end of the buffer"};
  }
  if (bytes.size() > header.packet_size()) {
    return Error{Errc::trailing_bytes, std::string(to_string(header.type())) + ": " +
                                           std::to_string(bytes.size() - header.packet_size()) +
                                           " bytes after the end of the packet"};
  }
  return decode_body(header, bytes.subspan(header.header_size, header.remaining_length), version);
}

}  // namespace iotgw::bridge::mqtt::packet
