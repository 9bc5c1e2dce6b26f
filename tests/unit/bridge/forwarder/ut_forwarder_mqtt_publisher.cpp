// The two lanes onto the MQTT client's in-flight window, on a real client
// that never connects: QoS 1 messages it accepts wait in its window for a
// CONNACK, so what the publisher hands over shows in client.in_flight().
#include <algorithm>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "bridge/forwarder/mqtt_publisher.hpp"

namespace iotgw::bridge::forwarder {
namespace {

store::Message message(std::string topic) {
  return {.topic = std::move(topic), .payload = {'1'}, .qos = 1};
}

class MqttPublisherTest : public testing::Test {
 protected:
  // Outcomes, in the order they came back.
  Publisher::Done record(std::string name) {
    return [this, name](Outcome outcome) { outcomes_.emplace_back(name, outcome); };
  }

  void stop_all() {
    bool stopped = false;
    client_.stop([&] { stopped = true; });
    io_.run();
    ASSERT_TRUE(stopped);
    publisher_.stop();
  }

  boost::asio::io_context io_;
  config::Mqtt config_ = [] {
    config::Mqtt mqtt;
    mqtt.inflight = 4;
    return mqtt;
  }();
  mqtt::io::Client client_{io_.get_executor(), config_};
  MqttPublisher publisher_{client_, {.window = 4, .reserved = 1, .max_waiting = 3}};
  std::vector<std::pair<std::string, forwarder::Outcome>> outcomes_;
};

TEST_F(MqttPublisherTest, KeepsReservedRoomForControlMessages) {
  // Telemetry takes its share of the window (the forwarder gives it at most 3).
  for (int n = 0; n < 3; ++n) {
    publisher_.publish(message("t"), record("t" + std::to_string(n)));
  }
  EXPECT_EQ(client_.in_flight(), 3U);
  // The reserved slot takes one result; the others wait, in order.
  EXPECT_TRUE(publisher_.publish_control(message("r"), false, record("r0")));
  EXPECT_TRUE(publisher_.publish_control(message("r"), false, record("r1")));
  EXPECT_TRUE(publisher_.publish_control(message("r"), false, record("r2")));
  EXPECT_EQ(client_.in_flight(), 4U);
  EXPECT_EQ(publisher_.control_waiting(), 2U);
  // Telemetry that finds the window full waits here instead of being refused.
  publisher_.publish(message("t"), record("t3"));
  EXPECT_EQ(client_.in_flight(), 4U);
  // The queue of control messages is bounded, except for the status.
  EXPECT_TRUE(publisher_.publish_control(message("r"), false, record("r3")));
  EXPECT_FALSE(publisher_.publish_control(message("r"), false, record("dropped")));
  EXPECT_TRUE(publisher_.publish_control(message("status"), true, record("status")));
  EXPECT_EQ(publisher_.control_waiting(), 4U);

  stop_all();
  // Everything accepted comes back exactly once, undelivered (the rows stay
  // in the store); nothing is rejected, which would drop a row.
  std::vector<std::string> names;
  for (const auto& [name, outcome] : outcomes_) {
    EXPECT_EQ(outcome, Outcome::undelivered) << name;
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names,
            (std::vector<std::string>{"r0", "r1", "r2", "r3", "status", "t0", "t1", "t2", "t3"}));
}

TEST_F(MqttPublisherTest, SharesAWindowOfOneWithoutRefusals) {
  forwarder::MqttPublisher narrow(client_, {.window = 1, .reserved = 1});
  narrow.publish(message("t"), record("t0"));
  EXPECT_TRUE(narrow.publish_control(message("r"), false, record("r0")));
  narrow.publish(message("t"), record("t1"));
  EXPECT_EQ(client_.in_flight(), 1U);
  EXPECT_EQ(narrow.control_waiting(), 1U);
  bool stopped = false;
  client_.stop([&] { stopped = true; });
  io_.run();
  ASSERT_TRUE(stopped);
  narrow.stop();
  EXPECT_EQ(outcomes_.size(), 3U);
  for (const auto& [name, outcome] : outcomes_) {
    EXPECT_EQ(outcome, Outcome::undelivered) << name;
  }
}

// With telemetry.expiry, readings are not handed to a client without a
// connection, where they could outlive their expiry unseen: they wait here,
// and whether they expired is judged as they go out (12-mqtt5-gateway shows
// that end to end). Control messages still go into the window.
TEST_F(MqttPublisherTest, ReadingsThatCanExpireWaitForAConnectionOutsideTheWindow) {
  using namespace std::chrono_literals;
  forwarder::MqttPublisher expiring(client_, {.window = 4, .reserved = 1},
                                    {.expiry = 60s, .json = true});
  expiring.publish(message("t"), record("t0"));
  expiring.publish(message("t"), record("t1"));
  EXPECT_EQ(client_.in_flight(), 0U);
  EXPECT_TRUE(expiring.publish_control(message("r"), false, record("r0")));
  EXPECT_EQ(client_.in_flight(), 1U);
  bool stopped = false;
  client_.stop([&] { stopped = true; });
  io_.run();
  ASSERT_TRUE(stopped);
  expiring.stop();
  ASSERT_EQ(outcomes_.size(), 3U);
  for (const auto& [name, outcome] : outcomes_) {
    EXPECT_EQ(outcome, Outcome::undelivered) << name;
  }
}

// A command's Correlation Data (up to 64 KiB, chosen by its sender) counts
// against the bytes that results may hold waiting.
TEST_F(MqttPublisherTest, CorrelationDataCountsAgainstTheWaitingBytes) {
  forwarder::MqttPublisher small(client_, {.window = 4, .reserved = 1, .max_waiting_bytes = 100});
  const std::vector<mqtt::packet::Property> correlated = {
      {mqtt::packet::PropertyId::correlation_data, std::vector<std::uint8_t>(200, 0x55)}};
  EXPECT_TRUE(small.publish_control(message("r"), false, record("r0")));
  EXPECT_EQ(client_.in_flight(), 1U);  // the reserved slot
  EXPECT_FALSE(small.publish_control(message("r"), false, record("r1"), correlated));
  EXPECT_TRUE(small.publish_control(message("r"), false, record("r2")));
  EXPECT_EQ(small.control_waiting(), 1U);
  bool stopped = false;
  client_.stop([&] { stopped = true; });
  io_.run();
  ASSERT_TRUE(stopped);
  small.stop();
  EXPECT_EQ(outcomes_.size(), 2U);
}

}  // namespace
}  // namespace iotgw::bridge::forwarder
