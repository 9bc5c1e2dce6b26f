// Helpers for the MQTT codec tests: expected bytes are always written by
// hand in the tests; these only run the codec and unwrap its results.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "bridge/mqtt/packet/packet.hpp"

namespace iotgw::bridge::mqtt::test {

using Bytes = std::vector<std::uint8_t>;

using packet::Version;

// Encodes through the vector overload and, as a cross-check, through the
// span overload into an exactly sized buffer; both must agree.
template <class P>
Bytes encode_ok(const P& p, Version version = Version::v3_1_1) {
  Bytes out;
  auto written = encode(p, version, out);
  EXPECT_TRUE(written.has_value()) << (written ? "" : written.error().reason);
  if (!written) {
    return {};
  }
  EXPECT_EQ(*written, out.size());
  auto size = encoded_size(p, version);
  EXPECT_TRUE(size.has_value());
  Bytes exact(size ? *size : 0);
  auto into = encode(p, version, std::span<std::uint8_t>(exact));
  EXPECT_TRUE(into.has_value());
  EXPECT_EQ(exact, out);
  return out;
}

// The error code an encoding attempt fails with; the output stays untouched.
template <class P>
Errc encode_error(const P& p, Version version = Version::v3_1_1) {
  Bytes out{0xAA};
  auto written = encode(p, version, out);
  EXPECT_FALSE(written.has_value());
  EXPECT_EQ(out, Bytes{0xAA});
  return written ? Errc::decoder_failed : written.error().code;
}

// Decodes exactly one packet and expects alternative P.
template <class P>
P decode_ok(const Bytes& wire, Version version = Version::v3_1_1) {
  auto decoded = packet::decode(wire, version);
  EXPECT_TRUE(decoded.has_value()) << (decoded ? "" : decoded.error().reason);
  if (!decoded || !std::holds_alternative<P>(*decoded)) {
    ADD_FAILURE() << "decoded to another packet type";
    return P{};
  }
  return std::get<P>(*decoded);
}

// The error code decoding fails with; the reason must say something.
inline Errc decode_error(const Bytes& wire, packet::DecodeLimits limits = {},
                         Version version = Version::v3_1_1) {
  auto decoded = decode(wire, version, limits);
  EXPECT_FALSE(decoded.has_value());
  if (decoded) {
    return Errc::decoder_failed;
  }
  EXPECT_FALSE(decoded.error().reason.empty());
  return decoded.error().code;
}

inline Bytes payload_of(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

// The QoS 1 PUBLISH several tests encode and decode: "hi" to a/b, packet id 10.
inline packet::Publish qos1_publish_to_a_b() {
  packet::Publish p;
  p.topic = "a/b";
  p.payload = payload_of("hi");
  p.qos = packet::Qos::at_least_once;
  p.packet_id = 10;
  return p;
}

// The CONNECT the session tests' settings produce, and the broker's two CONNACKs.
inline const Bytes connect_wire = {
    0x10, 0x0F,                          // CONNECT, remaining length 15
    0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // "MQTT"
    0x04,                                // level 4
    0x00,                                // flags: keep the session
    0x00, 0x1E,                          // keep alive 30 s
    0x00, 0x03, 0x67, 0x77, 0x31,        // client id "gw1"
};
inline const Bytes connack_new = {0x20, 0x02, 0x00, 0x00};      // CONNACK, no session, accepted
inline const Bytes connack_resumed = {0x20, 0x02, 0x01, 0x00};  // CONNACK, session present

}  // namespace iotgw::bridge::mqtt::test
