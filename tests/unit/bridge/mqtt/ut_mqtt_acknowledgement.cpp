// PUBACK (3.4), PUBREC (3.5), PUBREL (3.6) and PUBCOMP (3.7): a packet id and
// nothing else, so one set of tests covers all four; only the first byte of
// the fixed header differs (PUBREL's flags are 0010, the others' 0000).
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using test::Bytes;

// The first byte of each packet's fixed header, one with flags the packet
// must not carry, and the name its tests carry.
struct FirstByte {
  std::uint8_t valid;
  std::uint8_t bad_flags;
  const char* name;
};

template <class P>
constexpr FirstByte first_byte_of{};
template <>
constexpr FirstByte first_byte_of<packet::Puback>{0x40, 0x42, "Puback"};  // bad: flags 0010
template <>
constexpr FirstByte first_byte_of<packet::Pubrec>{0x50, 0x51, "Pubrec"};  // bad: flags 0001
template <>
constexpr FirstByte first_byte_of<packet::Pubrel>{0x62, 0x60, "Pubrel"};  // bad: flags 0000
template <>
constexpr FirstByte first_byte_of<packet::Pubcomp>{0x70, 0x78, "Pubcomp"};  // bad: flags 1000

template <class P>
class MqttAcknowledgement : public testing::Test {
 protected:
  static constexpr std::uint8_t first = first_byte_of<P>.valid;
};

struct PacketName {
  template <class P>
  static std::string GetName(int) {
    return first_byte_of<P>.name;
  }
};

using Acknowledgements =
    testing::Types<packet::Puback, packet::Pubrec, packet::Pubrel, packet::Pubcomp>;
TYPED_TEST_SUITE(MqttAcknowledgement, Acknowledgements, PacketName);

TYPED_TEST(MqttAcknowledgement, Encodes) {
  const Bytes wire = {TestFixture::first, 0x02, 0xBE, 0xEF};  // packet id 0xBEEF
  EXPECT_EQ(test::encode_ok(TypeParam{0xBEEF}), wire);
}

TYPED_TEST(MqttAcknowledgement, Decodes) {
  const Bytes wire = {TestFixture::first, 0x02, 0xBE, 0xEF};
  EXPECT_EQ(test::decode_ok<TypeParam>(wire), TypeParam{0xBEEF});
}

TYPED_TEST(MqttAcknowledgement, RejectsBadFixedHeaderFlags) {
  const Bytes bad = {first_byte_of<TypeParam>.bad_flags, 0x02, 0xBE, 0xEF};
  EXPECT_EQ(test::decode_error(bad), Errc::bad_flags);
}

TYPED_TEST(MqttAcknowledgement, RejectsPacketIdZero) {
  const Bytes zero = {TestFixture::first, 0x02, 0x00, 0x00};  // packet id 0
  EXPECT_EQ(test::decode_error(zero), Errc::zero_packet_id);
  EXPECT_EQ(test::encode_error(TypeParam{0}), Errc::zero_packet_id);
}

TYPED_TEST(MqttAcknowledgement, RejectsPacketIdPastRemainingLength) {
  const Bytes shorter = {TestFixture::first, 0x01, 0xBE};  // remaining length 1: half an id
  EXPECT_EQ(test::decode_error(shorter), Errc::truncated);
}

TYPED_TEST(MqttAcknowledgement, RejectsTrailingBytes) {
  const Bytes longer = {TestFixture::first, 0x03, 0xBE, 0xEF, 0x00};  // remaining length 3
  EXPECT_EQ(test::decode_error(longer), Errc::trailing_bytes);
}

TYPED_TEST(MqttAcknowledgement, RejectsRemainingLengthPastTheBuffer) {
  const Bytes cut = {TestFixture::first, 0x02, 0xBE};  // remaining length 2, one byte present
  EXPECT_EQ(test::decode_error(cut), Errc::truncated);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
