// AUTH (5.0 3.15): extended authentication, MQTT 5 only. A reason code and
// properties, both left out for Success without properties (remaining
// length 0).
#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using packet::PropertyId;
using packet::ReasonCode;
using test::Bytes;

constexpr auto v5 = packet::Version::v5;
constexpr auto v3_1_1 = packet::Version::v3_1_1;

TEST(Mqtt5Auth, EncodesAndDecodesAContinuationWithMethodAndData) {
  const Bytes wire = {
      0xF0,                          // AUTH, flags 0000
      0x16,                          // remaining length 22
      0x18,                          // reason code: Continue authentication
      0x14,                          // property length 20
      0x15, 0x00, 0x0B,              // Authentication Method, length 11
      0x53, 0x43, 0x52, 0x41, 0x4D,  //   "SCRAM
      0x2D, 0x53, 0x48, 0x41,        //   -SHA
      0x2D, 0x31,                    //   -1"
      0x16, 0x00, 0x03,              // Authentication Data, length 3
      0x01, 0x02, 0x03,              //   01 02 03
  };
  const packet::Auth p{ReasonCode::continue_authentication,
                       {
                           {PropertyId::authentication_method, std::string("SCRAM-SHA-1")},
                           {PropertyId::authentication_data, Bytes{0x01, 0x02, 0x03}},
                       }};
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Auth>(wire, v5), p);
}

TEST(Mqtt5Auth, RemainingLength0IsSuccess) {
  const Bytes wire = {
      0xF0,  // AUTH
      0x00,  // remaining length 0
  };
  EXPECT_EQ(test::encode_ok(packet::Auth{}, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Auth>(wire, v5), packet::Auth{ReasonCode::success});
}

TEST(Mqtt5Auth, EncodesAndDecodesReauthentication) {
  const Bytes wire = {
      0xF0,                    // AUTH
      0x06,                    // remaining length 6
      0x19,                    // reason code: Re-authenticate
      0x04,                    // property length 4
      0x15, 0x00, 0x01, 0x6D,  // Authentication Method "m"
  };
  const packet::Auth p{ReasonCode::reauthenticate,
                       {{PropertyId::authentication_method, std::string("m")}}};
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Auth>(wire, v5), p);
}

TEST(Mqtt5Auth, RefusesAuthIn311BothWays) {
  EXPECT_EQ(test::encode_error(packet::Auth{}, v3_1_1), Errc::unsupported_in_version);
  EXPECT_EQ(test::decode_error({0xF0, 0x00}, {}, v3_1_1), Errc::bad_packet_type);
  const Bytes continuation = {
      0xF0,                    // type 15: reserved in 3.1.1
      0x06,                    // remaining length 6
      0x18,                    // Continue authentication
      0x04,                    // property length 4
      0x15, 0x00, 0x01, 0x6D,  // Authentication Method "m"
  };
  EXPECT_EQ(test::decode_error(continuation, {}, v3_1_1), Errc::bad_packet_type);
}

TEST(Mqtt5Auth, RefusesACodeAuthDoesNotDefine) {
  const Bytes wire = {
      0xF0,                    // AUTH
      0x06,                    // remaining length 6
      0x80,                    // Unspecified error: not an AUTH code
      0x04,                    // property length 4
      0x15, 0x00, 0x01, 0x6D,  // Authentication Method "m"
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::invalid_reason_code);
  EXPECT_EQ(
      test::encode_error(packet::Auth{ReasonCode::unspecified_error,
                                      {{PropertyId::authentication_method, std::string("m")}}},
                         v5),
      Errc::invalid_reason_code);
}

TEST(Mqtt5Auth, RefusesDataWithoutAMethod) {
  const Bytes wire = {
      0xF0,                    // AUTH
      0x06,                    // remaining length 6
      0x18,                    // Continue authentication
      0x04,                    // property length 4
      0x16, 0x00, 0x01, 0x01,  // Authentication Data 01, no Authentication Method
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::invalid_property);
  EXPECT_EQ(test::encode_error(packet::Auth{ReasonCode::continue_authentication,
                                            {{PropertyId::authentication_data, Bytes{0x01}}}},
                               v5),
            Errc::invalid_property);
}

TEST(Mqtt5Auth, RefusesEveryAuthButTheEmptySuccessWithoutAMethod) {
  // 5.0 3.15.2.2.2: omitting the Authentication Method is a Protocol Error;
  // only remaining length 0 (5.0 3.15.2.1) goes without it.
  EXPECT_EQ(test::encode_error(packet::Auth{ReasonCode::continue_authentication}, v5),
            Errc::invalid_property);
  EXPECT_EQ(
      test::encode_error(
          packet::Auth{ReasonCode::success, {{PropertyId::reason_string, std::string("r")}}}, v5),
      Errc::invalid_property);
  const Bytes reason_only = {
      0xF0,  // AUTH
      0x01,  // remaining length 1
      0x18,  // Continue authentication, no properties
  };
  EXPECT_EQ(test::decode_error(reason_only, {}, v5), Errc::invalid_property);
  const Bytes no_properties = {
      0xF0,  // AUTH
      0x02,  // remaining length 2
      0x18,  // Continue authentication
      0x00,  // property length 0
  };
  EXPECT_EQ(test::decode_error(no_properties, {}, v5), Errc::invalid_property);
  const Bytes success_with_empty_properties = {
      0xF0,  // AUTH
      0x02,  // remaining length 2: not the short form
      0x00,  // Success
      0x00,  // property length 0
  };
  EXPECT_EQ(test::decode_error(success_with_empty_properties, {}, v5), Errc::invalid_property);
}

TEST(Mqtt5Auth, RefusesAPropertyOfAnotherPacket) {
  const Bytes wire = {
      0xF0,                          // AUTH
      0x0B,                          // remaining length 11
      0x18,                          // Continue authentication
      0x09,                          // property length 9
      0x15, 0x00, 0x01, 0x6D,        // Authentication Method "m"
      0x11, 0x00, 0x00, 0x00, 0x3C,  // Session Expiry Interval: not an AUTH property
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::invalid_property);
}

TEST(Mqtt5Auth, RoundTripsAFullAuth) {
  packet::Auth p{ReasonCode::continue_authentication,
                 {
                     {PropertyId::authentication_method, std::string("SCRAM-SHA-256")},
                     {PropertyId::authentication_data, Bytes(200, 0xA5)},
                     {PropertyId::reason_string, std::string("step 2")},
                 }};
  p.properties.add_user("k", "v");
  const Bytes wire = test::encode_ok(p, v5);
  EXPECT_EQ(test::decode_ok<packet::Auth>(wire, v5), p);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
