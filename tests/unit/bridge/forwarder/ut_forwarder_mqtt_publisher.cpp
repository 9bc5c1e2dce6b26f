// The two lanes onto the MQTT client's in-flight window, on a real client
// that never connects: QoS 1 messages it accepts wait in its window for a
// CONNACK, so what the publisher hands over shows in client.in_flight().
// Sparkplug B's numbering shows in the payloads on the wire, which a broker
// scripted by the test on a loopback port reads.
#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "bridge/forwarder/mqtt_publisher.hpp"
#include "bridge/mqtt/packet/packet.hpp"
#include "tests/support/run_until.hpp"

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

TEST_F(MqttPublisherTest, GivesBackTheTelemetryThatWaitsAndKeepsTheRest) {
  for (int n = 0; n < 3; ++n) {
    publisher_.publish(message("t"), record("t" + std::to_string(n)));
  }
  EXPECT_TRUE(publisher_.publish_control(message("r"), false, record("r0")));
  EXPECT_EQ(client_.in_flight(), 4U);
  // The window is full: these wait in the publisher.
  publisher_.publish(message("t"), record("t3"));
  publisher_.publish(message("t"), record("t4"));
  EXPECT_TRUE(publisher_.publish_control(message("r"), false, record("r1")));
  EXPECT_TRUE(outcomes_.empty());

  publisher_.give_back_telemetry();
  // Only the telemetry that waited comes back, in its order; what the client
  // holds and the control message that waits stay.
  EXPECT_EQ(outcomes_, (std::vector<std::pair<std::string, Outcome>>{
                           {"t3", Outcome::undelivered}, {"t4", Outcome::undelivered}}));
  EXPECT_EQ(client_.in_flight(), 4U);
  EXPECT_EQ(publisher_.control_waiting(), 1U);

  stop_all();
  // The rest comes back at the stop, each once: t3 and t4 are not given twice.
  EXPECT_EQ(outcomes_.size(), 7U);
  EXPECT_EQ(std::count_if(outcomes_.begin(), outcomes_.end(),
                          [](const auto& outcome) { return outcome.first == "t3"; }),
            1);
}

namespace asio = boost::asio;
using asio::ip::tcp;
using Bytes = std::vector<std::uint8_t>;
using namespace std::chrono_literals;

// A broker played by the test on a loopback port: it takes the client's
// connection, accepts its CONNECT and reads what the client sends, a packet
// at a time.
class ScriptedBroker {
 public:
  explicit ScriptedBroker(asio::io_context& io)
      : io_(io), acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  // Takes the client's connection and answers its CONNECT: accepted, no session.
  void accept() {
    std::optional<boost::system::error_code> accepted;
    acceptor_.async_accept(socket_, [&](boost::system::error_code error) { accepted = error; });
    ASSERT_TRUE(iotgw::test::run_until(
        io_, [&] { return accepted.has_value(); }, 5s));
    ASSERT_FALSE(*accepted) << accepted->message();
    const Bytes connect = next_packet();
    ASSERT_FALSE(connect.empty());
    ASSERT_EQ(connect[0], 0x10) << "not a CONNECT";
    send({0x20, 0x02, 0x00, 0x00});  // CONNACK, no session, accepted
  }

  // The next PUBLISH from the client.
  mqtt::packet::Publish next_publish() {
    const Bytes wire = next_packet();
    auto decoded = mqtt::packet::decode(wire, mqtt::packet::Version::v3_1_1);
    if (!decoded || !std::holds_alternative<mqtt::packet::Publish>(*decoded)) {
      ADD_FAILURE() << "not a PUBLISH";
      return {};
    }
    return std::get<mqtt::packet::Publish>(*decoded);
  }

  void send(const Bytes& bytes) { asio::write(socket_, asio::buffer(bytes)); }

  // PUBACK for packet id `id` (MQTT 3.1.1).
  void puback(std::uint16_t id) {
    send({0x40, 0x02, static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id)});
  }

 private:
  // The whole next packet, read as it comes; empty when none comes.
  Bytes next_packet() {
    for (;;) {
      if (const std::optional<std::size_t> size = first_packet_size()) {
        Bytes packet(received_.begin(), received_.begin() + static_cast<std::ptrdiff_t>(*size));
        received_.erase(received_.begin(), received_.begin() + static_cast<std::ptrdiff_t>(*size));
        return packet;
      }
      std::array<std::uint8_t, 4096> chunk{};
      std::optional<boost::system::error_code> read;
      std::size_t count = 0;
      socket_.async_read_some(asio::buffer(chunk),
                              [&](boost::system::error_code error, std::size_t n) {
                                read = error;
                                count = n;
                              });
      if (!iotgw::test::run_until(
              io_, [&] { return read.has_value(); }, 5s) ||
          *read) {
        ADD_FAILURE() << "the client sent no whole packet";
        return {};
      }
      received_.insert(received_.end(), chunk.begin(),
                       chunk.begin() + static_cast<std::ptrdiff_t>(count));
    }
  }

  // The size of the first packet received, once it is all there (2.2.3:
  // the remaining length, 7 bits a byte, after the first byte).
  std::optional<std::size_t> first_packet_size() const {
    std::size_t length = 0;
    for (std::size_t at = 1; at < received_.size() && at <= 4; ++at) {
      length |= static_cast<std::size_t>(received_[at] & 0x7F) << (7 * (at - 1));
      if ((received_[at] & 0x80) == 0) {
        const std::size_t size = at + 1 + length;
        return received_.size() >= size ? std::optional(size) : std::nullopt;
      }
    }
    return std::nullopt;
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  tcp::socket socket_{io_};
  Bytes received_;
};

using Numbering = MqttPublisher::Numbering;

// The number a numbered payload ends with: Sparkplug's seq, protobuf field 3
// as a varint (key 0x18), after the one byte of message(). Empty when the
// payload is not that.
std::optional<unsigned> number_of(const Bytes& payload) {
  if (payload.size() < 3 || payload[0] != '1' || payload[1] != 0x18) {
    return std::nullopt;
  }
  unsigned number = 0;
  for (std::size_t at = 2; at < payload.size(); ++at) {
    number |= static_cast<unsigned>(payload[at] & 0x7F) << (7 * (at - 2));
    if ((payload[at] & 0x80) == 0) {
      return at + 1 == payload.size() ? std::optional(number) : std::nullopt;
    }
  }
  return std::nullopt;
}

// The numbering of Sparkplug B: "birth" restarts at 0, "plain" goes
// unnumbered, every other topic takes the next number. Messages are handed
// to a client that has not connected yet (it keeps them for its CONNACK);
// the scripted broker then reads them as they went on the wire.
class MqttPublisherNumberingTest : public testing::Test {
 protected:
  void make(std::uint32_t inflight, MqttPublisher::Limits limits) {
    config_.brokers = {{.url = "mqtt://127.0.0.1", .host = "127.0.0.1", .port = broker_.port()}};
    config_.client_id = "gw";
    config_.clean_session = true;
    config_.version = config::MqttVersion::v3_1_1;
    config_.inflight = inflight;
    config_.will.topic.clear();
    client_.emplace(io_.get_executor(), config_);
    publisher_.emplace(*client_, limits);
    publisher_->number_messages([this](const store::Message& message) {
      ++asked_[message.topic];
      if (message.topic == "birth") {
        return Numbering::first;
      }
      return message.topic == "plain" ? Numbering::none : Numbering::next;
    });
  }

  Publisher::Done record(std::string name) {
    return [this, name](Outcome outcome) { outcomes_.emplace_back(name, outcome); };
  }

  void connect() {
    client_->start();
    broker_.accept();
  }

  void TearDown() override {
    if (!client_) {
      return;
    }
    bool stopped = false;
    client_->stop([&] { stopped = true; });
    EXPECT_TRUE(iotgw::test::run_until(
        io_, [&] { return stopped; }, 5s));
    publisher_->stop();
  }

  asio::io_context io_;
  ScriptedBroker broker_{io_};
  config::Mqtt config_;
  std::optional<mqtt::io::Client> client_;
  std::optional<MqttPublisher> publisher_;
  std::map<std::string, int> asked_;  // how often the rule was asked, by topic
  std::vector<std::pair<std::string, Outcome>> outcomes_;
};

TEST_F(MqttPublisherNumberingTest, NumbersMessagesInTheOrderTheyGoToTheClient) {
  make(8, {.window = 8, .reserved = 2});
  publisher_->publish(message("d"), record("d0"));
  publisher_->publish(message("d"), record("d1"));
  EXPECT_TRUE(publisher_->publish_control(message("plain"), false, record("plain")));
  EXPECT_TRUE(publisher_->publish_control(message("birth"), false, record("birth")));
  publisher_->publish(message("d"), record("d2"));
  publisher_->publish(message("d"), record("d3"));
  EXPECT_EQ(client_->in_flight(), 6U);
  connect();
  const std::vector<std::pair<std::string, Bytes>> expected = {
      {"d", {'1', 0x18, 0x00}},      // seq 0
      {"d", {'1', 0x18, 0x01}},      // seq 1
      {"plain", {'1'}},              // untouched
      {"birth", {'1', 0x18, 0x00}},  // seq 0 again
      {"d", {'1', 0x18, 0x01}},      // and on from there
      {"d", {'1', 0x18, 0x02}},
  };
  for (const auto& [topic, payload] : expected) {
    const mqtt::packet::Publish sent = broker_.next_publish();
    EXPECT_EQ(sent.topic, topic);
    EXPECT_EQ(sent.payload, payload) << topic;
  }
}

TEST_F(MqttPublisherNumberingTest, NumbersGoFrom0To255ThenStartAgainAt0) {
  make(300, {.window = 300, .reserved = 1});
  constexpr unsigned count = 258;
  for (unsigned n = 0; n < count; ++n) {
    publisher_->publish(message("d"), record("d" + std::to_string(n)));
  }
  EXPECT_EQ(client_->in_flight(), count);
  connect();
  for (unsigned n = 0; n < count; ++n) {
    const Bytes payload = broker_.next_publish().payload;
    EXPECT_EQ(number_of(payload), n % 256) << "message " << n;
    if (n == 127) {
      EXPECT_EQ(payload, (Bytes{'1', 0x18, 0x7F}));
    } else if (n == 128) {
      EXPECT_EQ(payload, (Bytes{'1', 0x18, 0x80, 0x01}));  // a varint of two bytes
    } else if (n == 255) {
      EXPECT_EQ(payload, (Bytes{'1', 0x18, 0xFF, 0x01}));
    } else if (n == 256) {
      EXPECT_EQ(payload, (Bytes{'1', 0x18, 0x00}));
    }
  }
}

// The client's window is smaller than the publisher thinks: the third
// message is offered, refused (window full), and waits; the number it would
// have taken goes to it when it does go out.
TEST_F(MqttPublisherNumberingTest, AMessageTheClientRefusesTakesNoNumber) {
  make(2, {.window = 4, .reserved = 1});
  publisher_->publish(message("d"), record("d0"));
  publisher_->publish(message("d"), record("d1"));
  publisher_->publish(message("d"), record("d2"));
  EXPECT_EQ(client_->in_flight(), 2U);
  EXPECT_GT(asked_["d"], 2);  // the third was offered to the client, and refused
  connect();
  const mqtt::packet::Publish d0 = broker_.next_publish();
  const mqtt::packet::Publish d1 = broker_.next_publish();
  EXPECT_EQ(d0.payload, (Bytes{'1', 0x18, 0x00}));
  EXPECT_EQ(d1.payload, (Bytes{'1', 0x18, 0x01}));
  broker_.puback(d0.packet_id);
  const mqtt::packet::Publish d2 = broker_.next_publish();
  EXPECT_EQ(d2.payload, (Bytes{'1', 0x18, 0x02}));
  EXPECT_EQ(outcomes_, (std::vector<std::pair<std::string, Outcome>>{{"d0", Outcome::delivered}}));
}

}  // namespace
}  // namespace iotgw::bridge::forwarder
