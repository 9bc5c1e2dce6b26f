// SUBSCRIBE in MQTT 5 (5.0 3.8): properties after the packet id, and the
// subscription options byte (5.0 3.8.3.1 figure 3-21): QoS in bits 0-1, No
// Local bit 2, Retain As Published bit 3, Retain Handling bits 4-5, bits 6-7
// reserved.
#include <cstdint>

#include <gtest/gtest.h>

#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::mqtt {
namespace {

using packet::PropertyId;
using packet::RetainHandling;
using packet::Subscription;
using test::Bytes;

constexpr auto v5 = packet::Version::v5;
constexpr auto v3_1_1 = packet::Version::v3_1_1;

// A SUBSCRIBE of packet id 1 without properties, to "t" with the options
// byte `bits`.
Bytes subscribe_to_t_wire(std::uint8_t bits) {
  return {
      0x82,              // SUBSCRIBE, flags 0010
      0x07,              // remaining length 7
      0x00, 0x01,        // packet id 1
      0x00,              // property length 0
      0x00, 0x01, 0x74,  // topic filter "t"
      bits,              // subscription options
  };
}

packet::Subscribe subscribe_one(Subscription entry) {
  return packet::Subscribe{1, {std::move(entry)}};
}

TEST(Mqtt5Subscribe, EncodesAndDecodesOptionsAndASubscriptionIdentifier) {
  const Bytes wire = {
      0x82,                          // SUBSCRIBE, flags 0010
      0x13,                          // remaining length 19
      0x00, 0x0A,                    // packet id 10
      0x02,                          // property length 2
      0x0B, 0x05,                    // Subscription Identifier 5
      0x00, 0x01, 0x61,              // topic filter "a"
      0x00,                          //   options: QoS 0
      0x00, 0x01, 0x62,              // topic filter "b"
      0x16,                          //   options: Retain Handling 1, No Local, QoS 2
      0x00, 0x03, 0x63, 0x2F, 0x23,  // topic filter "c/#"
      0x29,                          //   options: Retain Handling 2, Retain As Published, QoS 1
  };
  const packet::Subscribe p{
      10,
      {
          {"a", packet::Qos::at_most_once},
          {"b", packet::Qos::exactly_once, true, false, RetainHandling::send_if_new},
          {"c/#", packet::Qos::at_least_once, false, true, RetainHandling::do_not_send},
      },
      {{PropertyId::subscription_identifier, 5u}},
  };
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Subscribe>(wire, v5), p);
}

TEST(Mqtt5Subscribe, WritesEachOptionInItsBits) {
  struct Row {
    const char* what;
    Subscription entry;
    std::uint8_t options;
  };
  const Row rows[] = {
      {"QoS 0", {"t", packet::Qos::at_most_once}, 0x00},
      {"QoS 1", {"t", packet::Qos::at_least_once}, 0x01},
      {"QoS 2", {"t", packet::Qos::exactly_once}, 0x02},
      {"No Local", {"t", packet::Qos::at_most_once, true}, 0x04},
      {"Retain As Published", {"t", packet::Qos::at_most_once, false, true}, 0x08},
      {"Retain Handling 1",
       {"t", packet::Qos::at_most_once, false, false, RetainHandling::send_if_new},
       0x10},
      {"Retain Handling 2",
       {"t", packet::Qos::at_most_once, false, false, RetainHandling::do_not_send},
       0x20},
      {"all of them",
       {"t", packet::Qos::exactly_once, true, true, RetainHandling::do_not_send},
       0x2E},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.what);
    EXPECT_EQ(test::encode_ok(subscribe_one(row.entry), v5), subscribe_to_t_wire(row.options));
    EXPECT_EQ(test::decode_ok<packet::Subscribe>(subscribe_to_t_wire(row.options), v5),
              subscribe_one(row.entry));
  }
}

TEST(Mqtt5Subscribe, RefusesRetainHandling3) {
  // 5.0 3.8.3.1: a Retain Handling of 3 is a Protocol Error.
  EXPECT_EQ(test::decode_error(subscribe_to_t_wire(0x30), {}, v5), Errc::bad_flags);
  Subscription entry{"t"};
  entry.retain_handling = static_cast<RetainHandling>(3);
  EXPECT_EQ(test::encode_error(subscribe_one(entry), v5), Errc::bad_flags);
}

TEST(Mqtt5Subscribe, RefusesReservedOptionBits) {
  // 5.0 3.8.3.1: bits 6 and 7 are reserved and must be 0.
  EXPECT_EQ(test::decode_error(subscribe_to_t_wire(0x40), {}, v5), Errc::bad_flags);
  EXPECT_EQ(test::decode_error(subscribe_to_t_wire(0x80), {}, v5), Errc::bad_flags);
  EXPECT_EQ(test::decode_error(subscribe_to_t_wire(0xC1), {}, v5), Errc::bad_flags);
}

TEST(Mqtt5Subscribe, RefusesQos3) {
  EXPECT_EQ(test::decode_error(subscribe_to_t_wire(0x03), {}, v5), Errc::invalid_qos);
}

TEST(Mqtt5Subscribe, EncodesTheLargestSubscriptionIdentifier) {
  const Bytes wire = {
      0x82,                          // SUBSCRIBE, flags 0010
      0x0C,                          // remaining length 12
      0x00, 0x01,                    // packet id 1
      0x05,                          // property length 5
      0x0B, 0xFF, 0xFF, 0xFF, 0x7F,  // Subscription Identifier 268435455
      0x00, 0x01, 0x74,              // topic filter "t"
      0x00,                          //   options: QoS 0
  };
  packet::Subscribe p = subscribe_one({"t"});
  p.properties = {{PropertyId::subscription_identifier, 268'435'455u}};
  EXPECT_EQ(test::encode_ok(p, v5), wire);
  EXPECT_EQ(test::decode_ok<packet::Subscribe>(wire, v5), p);
}

TEST(Mqtt5Subscribe, RefusesSubscriptionIdentifier0) {
  // 5.0 3.8.2.1.2: a Subscription Identifier of 0 is a Protocol Error.
  packet::Subscribe p = subscribe_one({"t"});
  p.properties = {{PropertyId::subscription_identifier, 0u}};
  EXPECT_EQ(test::encode_error(p, v5), Errc::invalid_property);
  const Bytes wire = {
      0x82,              // SUBSCRIBE, flags 0010
      0x09,              // remaining length 9
      0x00, 0x01,        // packet id 1
      0x02,              // property length 2
      0x0B, 0x00,        // Subscription Identifier 0
      0x00, 0x01, 0x74,  // topic filter "t"
      0x00,              //   options: QoS 0
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::invalid_property);
}

TEST(Mqtt5Subscribe, RefusesAPropertyOfAnotherPacket) {
  packet::Subscribe p = subscribe_one({"t"});
  p.properties = {{PropertyId::reason_string, std::string("r")}};
  EXPECT_EQ(test::encode_error(p, v5), Errc::invalid_property);
  const Bytes wire = {
      0x82,                    // SUBSCRIBE, flags 0010
      0x0B,                    // remaining length 11
      0x00, 0x01,              // packet id 1
      0x04,                    // property length 4
      0x1F, 0x00, 0x01, 0x72,  // Reason String "r": not a SUBSCRIBE property
      0x00, 0x01, 0x74,        // topic filter "t"
      0x00,                    //   options: QoS 0
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::invalid_property);
}

TEST(Mqtt5Subscribe, RefusesNoLocalOnASharedSubscription) {
  // 5.0 3.8.3.1: No Local on a Shared Subscription is a Protocol Error.
  EXPECT_EQ(test::encode_error(subscribe_one({"$share/g/t", packet::Qos::at_most_once, true}), v5),
            Errc::protocol_violation);
  Bytes wire = {
      0x82,                          // SUBSCRIBE, flags 0010
      0x10,                          // remaining length 16
      0x00, 0x01,                    // packet id 1
      0x00,                          // property length 0
      0x00, 0x0A,                    // topic filter, length 10
      0x24, 0x73, 0x68, 0x61, 0x72,  //   "$shar
      0x65, 0x2F, 0x67, 0x2F, 0x74,  //   e/g/t"
      0x04,                          //   options: No Local
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::protocol_violation);
  wire.back() = 0x00;  // options: QoS 0, no No Local
  EXPECT_EQ(test::decode_ok<packet::Subscribe>(wire, v5), subscribe_one({"$share/g/t"}));
}

TEST(Mqtt5Subscribe, RefusesMqtt5OptionsAndPropertiesIn311) {
  EXPECT_EQ(test::encode_error(subscribe_one({"t", packet::Qos::at_most_once, true}), v3_1_1),
            Errc::unsupported_in_version);
  EXPECT_EQ(
      test::encode_error(subscribe_one({"t", packet::Qos::at_most_once, false, true}), v3_1_1),
      Errc::unsupported_in_version);
  EXPECT_EQ(test::encode_error(subscribe_one({"t", packet::Qos::at_most_once, false, false,
                                              RetainHandling::do_not_send}),
                               v3_1_1),
            Errc::unsupported_in_version);
  packet::Subscribe with_properties = subscribe_one({"t"});
  with_properties.properties = {{PropertyId::subscription_identifier, 1u}};
  EXPECT_EQ(test::encode_error(with_properties, v3_1_1), Errc::unsupported_in_version);
}

TEST(Mqtt5Subscribe, RefusesNoTopicFilter) {
  const Bytes wire = {
      0x82,        // SUBSCRIBE, flags 0010
      0x03,        // remaining length 3
      0x00, 0x01,  // packet id 1
      0x00,        // property length 0, and no filter
  };
  EXPECT_EQ(test::decode_error(wire, {}, v5), Errc::empty_payload);
}

TEST(Mqtt5Subscribe, RoundTripsManySubscriptions) {
  packet::Subscribe p{
      0x8001,
      {
          {"plant/+/temperature", packet::Qos::exactly_once, true, true,
           RetainHandling::send_if_new},
          {"$share/workers/jobs/#", packet::Qos::at_least_once, false, true,
           RetainHandling::do_not_send},
          {"#"},
      },
      {{PropertyId::subscription_identifier, 16'384u}},
  };
  p.properties.add_user("k", "v");
  const Bytes wire = test::encode_ok(p, v5);
  EXPECT_EQ(test::decode_ok<packet::Subscribe>(wire, v5), p);
}

}  // namespace
}  // namespace iotgw::bridge::mqtt
