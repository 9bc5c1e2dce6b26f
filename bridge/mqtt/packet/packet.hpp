// Any MQTT control packet of 3.1.1 or 5.0, and encoding and decoding of
// whole packets (fixed header, variable header, payload) in a given version.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "bridge/mqtt/packet/acknowledgement.hpp"
#include "bridge/mqtt/packet/auth.hpp"
#include "bridge/mqtt/packet/connack.hpp"
#include "bridge/mqtt/packet/connect.hpp"
#include "bridge/mqtt/packet/disconnect.hpp"
#include "bridge/mqtt/packet/pingreq.hpp"
#include "bridge/mqtt/packet/pingresp.hpp"
#include "bridge/mqtt/packet/publish.hpp"
#include "bridge/mqtt/packet/suback.hpp"
#include "bridge/mqtt/packet/subscribe.hpp"
#include "bridge/mqtt/packet/unsuback.hpp"
#include "bridge/mqtt/packet/unsubscribe.hpp"
#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::bridge::mqtt::packet {

// The alternatives are in packet-type order: index() + 1 is the type value.
using Packet = std::variant<Connect, Connack, Publish, Puback, Pubrec, Pubrel, Pubcomp, Subscribe,
                            Suback, Unsubscribe, Unsuback, Pingreq, Pingresp, Disconnect, Auth>;

// 2.2.1: the control packet type of a packet.
inline PacketType type_of(const Packet& any) noexcept {
  return static_cast<PacketType>(any.index() + 1);
}

// A packet struct that knows its type, flags and body in a version (every
// alternative of `Packet`, and PublishView).
template <class P>
concept encodable = requires(const P& p, Version version, Writer& out) {
  { type_of(p) } -> std::same_as<PacketType>;
  { fixed_flags(p) } -> std::same_as<std::uint8_t>;
  { body_size(p, version) } -> std::same_as<Result<std::size_t>>;
  write_body(p, version, out);
};

// What a decoder accepts from the network.
struct DecodeLimits {
  // Whole p, fixed header included; iotgw's configuration default.
  std::size_t max_packet_size = 256 * 1024;
};

// 2.2: the size of the whole encoded packet `p`, after validating it.
template <encodable P>
Result<std::size_t> encoded_size(const P& p, Version version) {
  auto body = body_size(p, version);
  if (!body) {
    return body.error();
  }
  return 1 + remaining_length_size(*body) + *body;
}

namespace detail {

// 2.2: writes fixed header and body of `p`, whose validated body size is
// `body`, at the start of `out`.
template <encodable P>
Result<std::size_t> write_packet(const P& p, Version version, std::size_t body,
                                 std::span<std::uint8_t> out) {
  const std::size_t total = 1 + remaining_length_size(body) + body;
  if (out.size() < total) {
    return Error{Errc::buffer_too_small, std::string(to_string(type_of(p))) + ": needs " +
                                             std::to_string(total) + " bytes, buffer has " +
                                             std::to_string(out.size())};
  }
  Writer w(out);
  w.u8(static_cast<std::uint8_t>((static_cast<std::uint8_t>(type_of(p)) << 4) | fixed_flags(p)));
  w.remaining_length(body);
  write_body(p, version, w);
  if (w.overflowed() || w.written() != total) {
    return Error{Errc::buffer_too_small,
                 std::string(to_string(type_of(p))) + ": body size and body disagree"};
  }
  return total;
}

}  // namespace detail

// 2.2: encodes the whole packet `p` in `version` at the start of `out` and
// returns its size. Nothing is allocated; a buffer too small for the packet
// is an error.
template <encodable P>
Result<std::size_t> encode(const P& p, Version version, std::span<std::uint8_t> out) {
  auto body = body_size(p, version);
  if (!body) {
    return body.error();
  }
  return detail::write_packet(p, version, *body, out);
}

// 2.2: appends the whole packet `p` encoded in `version` to `out` and returns
// its size; on error `out` is left as it was.
template <encodable P>
Result<std::size_t> encode(const P& p, Version version, std::vector<std::uint8_t>& out) {
  auto body = body_size(p, version);
  if (!body) {
    return body.error();
  }
  const std::size_t start = out.size();
  out.resize(start + 1 + remaining_length_size(*body) + *body);
  auto written =
      detail::write_packet(p, version, *body, std::span<std::uint8_t>(out).subspan(start));
  if (!written) {
    out.resize(start);
  }
  return written;
}

// 2.2: encoded_size() of whichever packet `any` holds.
Result<std::size_t> encoded_size(const Packet& any, Version version);

// 2.2: encode() into a span of whichever packet `any` holds.
Result<std::size_t> encode(const Packet& any, Version version, std::span<std::uint8_t> out);

// 2.2: encode() appending to a vector of whichever packet `any` holds.
Result<std::size_t> encode(const Packet& any, Version version, std::vector<std::uint8_t>& out);

// 2.2, 3.x: decodes in `version` the body of a packet whose fixed header was
// parsed and whose `body` is exactly remaining_length bytes; bytes the packet
// does not consume are an error, and so is AUTH in 3.1.1 and, in MQTT 5, a
// remaining length not in its shortest form (5.0 1.5.5).
Result<Packet> decode_body(const FixedHeader& header, std::span<const std::uint8_t> body,
                           Version version);

// 2.2, 3.x: decodes `bytes` in `version`; they must hold exactly one whole
// packet: a packet running past the end or bytes after it are errors.
Result<Packet> decode(std::span<const std::uint8_t> bytes, Version version,
                      const DecodeLimits& limits = {});

}  // namespace iotgw::bridge::mqtt::packet
