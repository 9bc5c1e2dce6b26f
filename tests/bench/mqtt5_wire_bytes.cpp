// Bytes on the wire per telemetry message, MQTT 3.1.1 beside MQTT 5: the
// PUBLISH the gateway sends and the PUBACK the broker answers, as the codec
// sizes them (encoded_size, fixed header included; TCP/IP headers are not
// counted, since the client coalesces many packets into one write). The
// MQTT 5 rows add, in turn, nothing (a property length of 0), the properties
// a telemetry message would carry (Message Expiry Interval, Payload Format
// Indicator, Content Type, 5.0 3.3.2.3), and a Topic Alias (5.0 3.3.2.3.4):
// the first message names the topic and sets the alias, later ones send an
// empty topic name. No broker is needed.
//
// usage: mqtt5_wire_bytes [--topic TOPIC] [--payload TEXT]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/mqtt/packet/packet.hpp"

namespace {

namespace packet = iotgw::bridge::mqtt::packet;
using packet::Property;
using packet::PropertyId;

// A telemetry message of the `json` payload format (README.md, "Topics"):
// {prefix}/{gateway}/{device}/{point} and one reading.
struct Message {
  std::string topic = "iotgw/boiler-house-1/pump-3/discharge_pressure";
  std::string payload =
      R"({"ts":"2026-12-03T12:00:00.123Z","value":4.25,"unit":"bar","quality":"good"})";
};

Message parse(int argc, char** argv) {
  Message message;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--topic" && has_value) {
      message.topic = argv[++i];
    } else if (arg == "--payload" && has_value) {
      message.payload = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--topic TOPIC] [--payload TEXT]\n", argv[0]);
      std::exit(2);
    }
  }
  return message;
}

// The properties a telemetry message carries in MQTT 5: readings older than
// an hour are not worth delivering (5.0 3.3.2.3.3), the payload is UTF-8
// (5.0 3.3.2.3.2) and JSON (5.0 3.3.2.3.9).
std::vector<Property> telemetry_properties() {
  return {
      {PropertyId::message_expiry_interval, std::uint32_t{3600}},
      {PropertyId::payload_format_indicator, std::uint32_t{1}},
      {PropertyId::content_type, std::string("application/json")},
  };
}

std::vector<Property> with_topic_alias(std::vector<Property> properties) {
  properties.push_back({PropertyId::topic_alias, std::uint32_t{1}});
  return properties;
}

// The first row is the baseline of the "vs 3.1.1" column.
struct Row {
  const char* what;
  packet::Version version;
  std::string_view topic;
  std::span<const Property> properties;
};

// The codec's size of a packet, or the end of the program with its reason:
// a size the codec refuses is no figure.
template <class P>
std::size_t size_of(const P& p, packet::Version version, const char* what) {
  const auto size = packet::encoded_size(p, version);
  if (!size) {
    std::fprintf(stderr, "%s: %s\n", what, size.error().reason.c_str());
    std::exit(1);
  }
  return *size;
}

std::size_t publish_size(const Row& row, std::span<const std::uint8_t> payload) {
  const packet::PublishView publish{.topic = row.topic,
                                    .payload = payload,
                                    .qos = packet::Qos::at_least_once,
                                    .packet_id = 1,
                                    .properties = row.properties};
  return size_of(publish, row.version, row.what);
}

// 5.0 3.4.2.1: a PUBACK of Success without properties is as short as
// 3.1.1's, its reason code left out.
std::size_t puback_size(const Row& row) {
  return size_of(packet::Puback{.packet_id = 1}, row.version, row.what);
}

}  // namespace

int main(int argc, char** argv) {
  const Message message = parse(argc, argv);
  const std::span<const std::uint8_t> payload(
      reinterpret_cast<const std::uint8_t*>(message.payload.data()), message.payload.size());
  const std::vector<Property> telemetry = telemetry_properties();
  const std::vector<Property> aliased = with_topic_alias(telemetry);
  const std::vector<Property> alias_only = with_topic_alias({});

  const Row rows[] = {
      {"MQTT 3.1.1", packet::Version::v3_1_1, message.topic, {}},
      {"MQTT 5, no properties", packet::Version::v5, message.topic, {}},
      {"MQTT 5, expiry + format + content type", packet::Version::v5, message.topic, telemetry},
      {"  + topic alias, first message (sets it)", packet::Version::v5, message.topic, aliased},
      {"  + topic alias, established (empty topic)", packet::Version::v5, "", aliased},
      {"MQTT 5, topic alias only, established", packet::Version::v5, "", alias_only},
  };

  std::printf("QoS 1 telemetry message, MQTT bytes per message (TCP/IP not counted)\n");
  std::printf("topic   %s (%zu bytes)\npayload %s (%zu bytes)\n\n", message.topic.c_str(),
              message.topic.size(), message.payload.c_str(), message.payload.size());
  std::printf("%-44s %8s %7s %6s %9s\n", "", "PUBLISH", "PUBACK", "total", "vs 3.1.1");
  const std::size_t baseline = publish_size(rows[0], payload) + puback_size(rows[0]);
  for (const Row& row : rows) {
    const std::size_t publish = publish_size(row, payload);
    const std::size_t puback = puback_size(row);
    std::printf("%-44s %8zu %7zu %6zu %+9ld\n", row.what, publish, puback, publish + puback,
                static_cast<long>(publish + puback) - static_cast<long>(baseline));
  }

  const packet::Puback no_subscribers{.packet_id = 1,
                                      .reason = packet::ReasonCode::no_matching_subscribers};
  std::printf(
      "\nA broker that answers No matching subscribers (0x10, 5.0 3.4.2.1), as Mosquitto does\n"
      "when nobody subscribed, sends a PUBACK of %zu bytes instead.\n",
      size_of(no_subscribers, packet::Version::v5, "PUBACK No matching subscribers"));
  return 0;
}
