#include "bridge/mqtt/packet/packet.hpp"

namespace iotgw::mqtt {
namespace {

// Wraps a decoded alternative into the variant, or passes the error on.
template <class P>
result<packet> wrap(result<P>&& decoded) {
  if (!decoded) {
    return decoded.error();
  }
  return packet{std::move(decoded).value()};
}

}  // namespace

result<std::size_t> encoded_size(const packet& any) {
  return std::visit([](const auto& alternative) { return encoded_size(alternative); }, any);
}

result<std::size_t> encode(const packet& any, std::span<std::uint8_t> out) {
  return std::visit([out](const auto& alternative) { return encode(alternative, out); }, any);
}

result<std::size_t> encode(const packet& any, std::vector<std::uint8_t>& out) {
  return std::visit([&out](const auto& alternative) { return encode(alternative, out); }, any);
}

result<packet> decode_body(const fixed_header& header, std::span<const std::uint8_t> body) {
  // The header may not come from parse_fixed_header: check type and flags again.
  if (auto failure = check_fixed_flags(header.first_byte)) {
    return *failure;
  }
  reader in(body, to_string(header.type()));
  result<packet> decoded = [&]() -> result<packet> {
    switch (header.type()) {
      case packet_type::connect:
        return wrap(decode_connect(in));
      case packet_type::connack:
        return wrap(decode_connack(in));
      case packet_type::publish:
        return wrap(decode_publish(header.flags(), in));
      case packet_type::puback:
        return wrap(decode_puback(in));
      case packet_type::pubrec:
        return wrap(decode_pubrec(in));
      case packet_type::pubrel:
        return wrap(decode_pubrel(in));
      case packet_type::pubcomp:
        return wrap(decode_pubcomp(in));
      case packet_type::subscribe:
        return wrap(decode_subscribe(in));
      case packet_type::suback:
        return wrap(decode_suback(in));
      case packet_type::unsubscribe:
        return wrap(decode_unsubscribe(in));
      case packet_type::unsuback:
        return wrap(decode_unsuback(in));
      case packet_type::pingreq:
        return wrap(decode_pingreq(in));
      case packet_type::pingresp:
        return wrap(decode_pingresp(in));
      case packet_type::disconnect:
        return wrap(decode_disconnect(in));
    }
    return error{errc::bad_packet_type,
                 "reserved control packet type " + std::to_string(header.first_byte >> 4)};
  }();
  if (decoded && !in.empty()) {
    return in.fail(errc::trailing_bytes,
                   std::to_string(in.remaining()) + " bytes left after the last field");
  }
  return decoded;
}

result<packet> decode(std::span<const std::uint8_t> bytes, const decode_limits& limits) {
  auto parsed = parse_fixed_header(bytes, limits.max_packet_size);
  if (!parsed) {
    return parsed.error();
  }
  if (!*parsed) {
    return error{errc::truncated, "fixed header runs past the end of the buffer"};
  }
  const fixed_header& header = **parsed;
  if (bytes.size() < header.packet_size()) {
    return error{errc::truncated, std::string(to_string(header.type())) + ": remaining length " +
                                      std::to_string(header.remaining_length) +
                                      " runs past the end of the buffer"};
  }
  if (bytes.size() > header.packet_size()) {
    return error{errc::trailing_bytes, std::string(to_string(header.type())) + ": " +
                                           std::to_string(bytes.size() - header.packet_size()) +
                                           " bytes after the end of the packet"};
  }
  return decode_body(header, bytes.subspan(header.header_size, header.remaining_length));
}

}  // namespace iotgw::mqtt
