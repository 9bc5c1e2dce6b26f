// PUBACK, PUBREC, PUBREL and PUBCOMP in MQTT 5 (5.0 3.4-3.7): a packet id,
// then a reason code and properties that may be left out. Three wire forms:
// remaining length 2 (Success, no properties), 3 (a reason code alone) and 4
// or more (reason code, property length, properties). One set of tests
// covers all four; the first byte and the codes each may carry differ.
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using packet::PropertyId;
using packet::ReasonCode;
using test::Bytes;

constexpr auto v5 = packet::Version::v5;

// The first byte of each packet, a failure or non-default code of table 2-6
// it may carry, one it may not, and the name its tests carry.
struct Traits {
  std::uint8_t first;
  std::uint8_t allowed;
  std::uint8_t refused;
  const char* name;
};

template <class P>
constexpr Traits traits_of{};
template <>  // 0x10 No matching subscribers; 0x92 is for PUBREL and PUBCOMP
constexpr Traits traits_of<packet::Puback>{0x40, 0x10, 0x92, "Puback"};
template <>  // 0x97 Quota exceeded; 0x92 is for PUBREL and PUBCOMP
constexpr Traits traits_of<packet::Pubrec>{0x50, 0x97, 0x92, "Pubrec"};
template <>  // 0x92 Packet Identifier not found; 0x10 is for PUBACK and PUBREC
constexpr Traits traits_of<packet::Pubrel>{0x62, 0x92, 0x10, "Pubrel"};
template <>  // 0x92 Packet Identifier not found; 0x80 is not a PUBCOMP code
constexpr Traits traits_of<packet::Pubcomp>{0x70, 0x92, 0x80, "Pubcomp"};

template <class P>
class Mqtt5Acknowledgement : public testing::Test {
 protected:
  static constexpr Traits traits = traits_of<P>;
  static constexpr auto allowed = static_cast<ReasonCode>(traits.allowed);
  static constexpr auto refused = static_cast<ReasonCode>(traits.refused);
};

struct PacketName {
  template <class P>
  static std::string GetName(int) {
    return traits_of<P>.name;
  }
};

using Acknowledgements =
    testing::Types<packet::Puback, packet::Pubrec, packet::Pubrel, packet::Pubcomp>;
TYPED_TEST_SUITE(Mqtt5Acknowledgement, Acknowledgements, PacketName);

TYPED_TEST(Mqtt5Acknowledgement, RemainingLength2IsSuccess) {
  constexpr std::uint8_t type = TestFixture::traits.first;
  const Bytes wire = {
      type,        // packet type and flags
      0x02,        // remaining length 2: no reason code, no properties
      0x00, 0x07,  // packet id 7
  };
  const TypeParam p{7, ReasonCode::success};
  EXPECT_EQ(test::decode_ok<TypeParam>(wire, v5), p);
  EXPECT_EQ(test::encode_ok(p, v5), wire);
}

TYPED_TEST(Mqtt5Acknowledgement, RemainingLength3IsAReasonCodeAlone) {
  constexpr std::uint8_t type = TestFixture::traits.first;
  constexpr std::uint8_t code = TestFixture::traits.allowed;
  const Bytes wire = {
      type,        // packet type and flags
      0x03,        // remaining length 3: no property length
      0x00, 0x07,  // packet id 7
      code,        // reason code
  };
  const TypeParam p{7, TestFixture::allowed};
  EXPECT_EQ(test::decode_ok<TypeParam>(wire, v5), p);
  EXPECT_EQ(test::encode_ok(p, v5), wire);
}

TYPED_TEST(Mqtt5Acknowledgement, RemainingLength4WithNoPropertiesDecodesAlike) {
  constexpr std::uint8_t type = TestFixture::traits.first;
  constexpr std::uint8_t code = TestFixture::traits.allowed;
  const Bytes wire = {
      type,        // packet type and flags
      0x04,        // remaining length 4
      0x00, 0x07,  // packet id 7
      code,        // reason code
      0x00,        // property length 0
  };
  const TypeParam p{7, TestFixture::allowed};
  EXPECT_EQ(test::decode_ok<TypeParam>(wire, v5), p);
  const Bytes shortest = {
      type,        // packet type and flags
      0x03,        // remaining length 3: the empty properties left out
      0x00, 0x07,  // packet id 7
      code,        // reason code
  };
  EXPECT_EQ(test::encode_ok(p, v5), shortest);
}

TYPED_TEST(Mqtt5Acknowledgement, SuccessWithPropertiesWritesTheReasonCode) {
  constexpr std::uint8_t type = TestFixture::traits.first;
  const Bytes wire = {
      type,                          // packet type and flags
      0x09,                          // remaining length 9
      0x00, 0x07,                    // packet id 7
      0x00,                          // reason code: Success
      0x05,                          // property length 5
      0x1F, 0x00, 0x02, 0x6F, 0x6B,  // Reason String "ok"
  };
  const TypeParam p{7, ReasonCode::success, {{PropertyId::reason_string, std::string("ok")}}};
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<TypeParam>(wire, v5), p);
}

TYPED_TEST(Mqtt5Acknowledgement, EncodesAndDecodesAReasonString) {
  constexpr std::uint8_t type = TestFixture::traits.first;
  constexpr std::uint8_t code = TestFixture::traits.allowed;
  const Bytes wire = {
      type,                          // packet type and flags
      0x09,                          // remaining length 9
      0x00, 0x07,                    // packet id 7
      code,                          // reason code
      0x05,                          // property length 5
      0x1F, 0x00, 0x02, 0x6E, 0x6F,  // Reason String "no"
  };
  const TypeParam p{7, TestFixture::allowed, {{PropertyId::reason_string, std::string("no")}}};
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<TypeParam>(wire, v5), p);
}

TYPED_TEST(Mqtt5Acknowledgement, RefusesACodeThePacketDoesNotDefine) {
  constexpr std::uint8_t type = TestFixture::traits.first;
  constexpr std::uint8_t code = TestFixture::traits.refused;
  const Bytes wire = {
      type,        // packet type and flags
      0x03,        // remaining length 3
      0x00, 0x07,  // packet id 7
      code,        // reason code of another packet
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::invalid_reason_code);
  EXPECT_EQ(test::encode_error(TypeParam{7, TestFixture::refused}, v5), Errc::invalid_reason_code);
}

TYPED_TEST(Mqtt5Acknowledgement, RefusesAPropertyOfAnotherPacket) {
  constexpr std::uint8_t type = TestFixture::traits.first;
  const Bytes wire = {
      type,              // packet type and flags
      0x07,              // remaining length 7
      0x00, 0x07,        // packet id 7
      0x00,              // reason code: Success
      0x03,              // property length 3
      0x23, 0x00, 0x01,  // Topic Alias 1: PUBLISH only
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::invalid_property);
  EXPECT_EQ(
      test::encode_error(TypeParam{7, ReasonCode::success, {{PropertyId::topic_alias, 1u}}}, v5),
      Errc::invalid_property);
}

TYPED_TEST(Mqtt5Acknowledgement, RefusesAPropertyLengthPastThePacket) {
  constexpr std::uint8_t type = TestFixture::traits.first;
  constexpr std::uint8_t code = TestFixture::traits.allowed;
  const Bytes wire = {
      type,        // packet type and flags
      0x04,        // remaining length 4
      0x00, 0x07,  // packet id 7
      code,        // reason code
      0x05,        // property length 5, nothing follows
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::truncated);
}

TYPED_TEST(Mqtt5Acknowledgement, HasNoReasonCodeIn311) {
  EXPECT_EQ(test::encode_error(TypeParam{7, TestFixture::allowed}, packet::Version::v3_1_1),
            Errc::unsupported_in_version);
  EXPECT_EQ(test::encode_error(
                TypeParam{7, ReasonCode::success, {{PropertyId::reason_string, std::string("x")}}},
                packet::Version::v3_1_1),
            Errc::unsupported_in_version);
  constexpr std::uint8_t type = TestFixture::traits.first;
  constexpr std::uint8_t code = TestFixture::traits.allowed;
  const Bytes wire = {
      type,        // packet type and flags
      0x03,        // remaining length 3
      0x00, 0x07,  // packet id 7
      code,        // a reason code 3.1.1 does not have
  };
  EXPECT_EQ(test::decode_error(wire, {}, packet::Version::v3_1_1), Errc::trailing_bytes);
}

TYPED_TEST(Mqtt5Acknowledgement, RoundTripsReasonAndProperties) {
  TypeParam p{0xFFFF, TestFixture::allowed, {{PropertyId::reason_string, std::string("why")}}};
  p.properties.add_user("a", "1");
  p.properties.add_user("a", "2");
  const Bytes wire = test::encode_ok(p, v5);
  EXPECT_EQ(test::decode_ok<TypeParam>(wire, v5), p);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
