// What a queued reading goes out with in MQTT 5: what is left of
// telemetry.expiry after its time in the store (on a fake clock), the JSON
// properties, and the PUBLISH they make, byte for byte.
#include <chrono>

#include <gtest/gtest.h>

#include "bridge/forwarder/message_properties.hpp"
#include "tests/unit/bridge/mqtt/mqtt_test_util.hpp"

namespace iotgw::bridge::forwarder {
namespace {

using namespace std::chrono_literals;
using mqtt::packet::Property;
using mqtt::packet::PropertyId;

const std::chrono::system_clock::time_point taken{std::chrono::seconds(1'800'000'000)};

TEST(MessageProperties, ExpiryLeftIsRoundedUpToWholeSeconds) {
  EXPECT_EQ(remaining_expiry(60s, taken, taken), 60U);
  EXPECT_EQ(remaining_expiry(60s, taken, taken + 40s), 20U);
  EXPECT_EQ(remaining_expiry(60s, taken, taken + 40s + 200ms), 20U);
  EXPECT_EQ(remaining_expiry(60s, taken, taken + 59s + 999ms), 1U);
}

TEST(MessageProperties, ExpiredOnceTheWholeIntervalPassed) {
  EXPECT_EQ(remaining_expiry(60s, taken, taken + 60s), std::nullopt);
  EXPECT_EQ(remaining_expiry(60s, taken, taken + 24h), std::nullopt);
}

TEST(MessageProperties, AClockSetBackMakesAMessageNoOlderThanNew) {
  EXPECT_EQ(remaining_expiry(60s, taken, taken - 1h), 60U);
}

TEST(MessageProperties, TheLongestExpiryFitsItsFourBytes) {
  EXPECT_EQ(remaining_expiry(std::chrono::seconds(0xFFFF'FFFF), taken, taken), 0xFFFF'FFFFU);
}

TEST(MessageProperties, NoExpiryAndNoJsonMeansNoProperties) {
  TelemetryProperties plain({});
  const auto properties = plain.at(taken, taken + 365 * 24h, false);
  ASSERT_TRUE(properties.has_value());
  EXPECT_TRUE(properties->empty());
}

TEST(MessageProperties, AnExpiredReadingHasNoProperties) {
  TelemetryProperties expiring({.expiry = 60s, .json = true});
  EXPECT_FALSE(expiring.at(taken, taken + 61s, false).has_value());
}

// A reading aged 40 s with telemetry.expiry = 60s goes out with 20.
TEST(MessageProperties, AReadingAged40sOf60GoesOutWith20) {
  TelemetryProperties expiring({.expiry = 60s, .json = true});
  ASSERT_TRUE(
      expiring.at(taken, taken + 10s, false).has_value());  // reused: only the expiry changes
  const auto properties = expiring.at(taken, taken + 40s, false);
  ASSERT_TRUE(properties.has_value());
  mqtt::packet::Publish publish;
  publish.topic = "a/b";
  publish.payload = mqtt::test::payload_of("1");
  publish.qos = mqtt::packet::Qos::at_least_once;
  publish.packet_id = 7;
  publish.properties = mqtt::packet::Properties(*properties);
  const mqtt::test::Bytes wire = {
      0x32,                                            // PUBLISH QoS 1
      0x23,                                            // remaining length 35
      0x00, 0x03, 0x61, 0x2F, 0x62,                    // topic "a/b"
      0x00, 0x07,                                      // packet id 7
      0x1A,                                            // property length 26
      0x02, 0x00, 0x00, 0x00, 0x14,                    // Message Expiry Interval 20
      0x01, 0x01,                                      // Payload Format Indicator 1: UTF-8
      0x03, 0x00, 0x10,                                // Content Type, 16 bytes:
      0x61, 0x70, 0x70, 0x6C, 0x69, 0x63, 0x61, 0x74,  //   "applicat"
      0x69, 0x6F, 0x6E, 0x2F, 0x6A, 0x73, 0x6F, 0x6E,  //   "ion/json"
      0x31,                                            // payload "1"
  };
  EXPECT_EQ(mqtt::test::encode_ok(publish, mqtt::packet::Version::v5), wire);
}

// A backlog message carries User Property backfill=true after the others; a
// live one sent next from the same properties does not.
TEST(MessageProperties, ABacklogMessageCarriesTheBackfillUserProperty) {
  TelemetryProperties properties({.expiry = 0s, .json = false});
  const auto backlog = properties.at(taken, taken + 1h, true);
  ASSERT_TRUE(backlog.has_value());
  mqtt::packet::Publish publish;
  publish.topic = "a/b";
  publish.payload = mqtt::test::payload_of("1");
  publish.properties = mqtt::packet::Properties(*backlog);
  const mqtt::test::Bytes wire = {
      0x30,                                      // PUBLISH QoS 0
      0x18,                                      // remaining length 24
      0x00, 0x03, 0x61, 0x2F, 0x62,              // topic "a/b"
      0x11,                                      // property length 17
      0x26,                                      // User Property:
      0x00, 0x08,                                //   name, 8 bytes:
      0x62, 0x61, 0x63, 0x6B, 0x66, 0x69, 0x6C,  //   "backfil"
      0x6C,                                      //   "l"
      0x00, 0x04, 0x74, 0x72, 0x75, 0x65,        //   value "true"
      0x31,                                      // payload "1"
  };
  EXPECT_EQ(mqtt::test::encode_ok(publish, mqtt::packet::Version::v5), wire);
  const auto live = properties.at(taken, taken + 1h, false);
  ASSERT_TRUE(live.has_value());
  EXPECT_TRUE(live->empty());
}

}  // namespace
}  // namespace iotgw::bridge::forwarder
