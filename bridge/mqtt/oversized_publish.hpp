// A PUBLISH from the broker that is larger than the maximum packet size. It
// is not buffered: its fixed fields (topic length, topic, packet id) are read
// as they stream in, the topic only as far as there is room for it, and the
// payload is counted off and dropped. What remains is enough for the session
// to acknowledge the message (4.3) and to say what it dropped, so that one
// large message queued or retained for the client cannot end every
// connection it makes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "bridge/mqtt/error.hpp"
#include "bridge/mqtt/packet/wire.hpp"

namespace iotgw::bridge::mqtt {

// What is known of a skipped PUBLISH once all its bytes have gone by.
struct OversizedPublish {
  std::string topic;             // empty when it was longer than the room kept for it
  std::size_t topic_length = 0;  // as the packet announced it
  mqtt::packet::Qos qos = mqtt::packet::Qos::at_most_once;
  bool retain = false;
  bool dup = false;
  std::uint16_t packet_id = 0;  // only carried for QoS 1 and 2
  std::size_t size = 0;         // the whole packet, fixed header included

  friend bool operator==(const OversizedPublish&, const OversizedPublish&) = default;
};

// Reads an oversized PUBLISH body from a stream cut into arbitrary pieces,
// holding no more than `topic_room` bytes of it (the topic) at any time.
class PublishSkipper {
 public:
  // `header` is the packet's parsed fixed header (type PUBLISH, flags
  // already checked); the stream speaks `version`.
  PublishSkipper(const packet::FixedHeader& header, std::size_t topic_room,
                 packet::Version version);

  // 3.3.2: consumes bytes of the body from the front of `bytes`, never past
  // its end, and returns how many it took. The fields are checked as they
  // complete, as decode_publish checks them: a topic length or packet id
  // running past the remaining length, an invalid topic name (when all of
  // it was kept) and packet id 0 are errors.
  Result<std::size_t> consume(std::span<const std::uint8_t> bytes);

  // Every byte of the packet has been consumed.
  bool done() const noexcept { return left_ == 0; }

  // Bytes of the packet held in memory (the topic kept so far).
  std::size_t held() const noexcept { return message_.topic.size(); }

  // What was read; meaningful once done().
  const OversizedPublish& message() const noexcept { return message_; }

 private:
  enum class Phase { topic_length, topic, packet_id, payload };

  // The phase after the topic: the packet id for QoS 1/2, else the payload.
  Phase after_topic() const noexcept;
  Result<> on_topic_length();
  Result<> on_topic_complete();
  Error fail(Errc code, std::string_view what) const;

  OversizedPublish message_;
  std::size_t remaining_length_ = 0;
  std::size_t left_ = 0;  // bytes of the body not consumed yet
  std::size_t topic_room_ = 0;
  packet::Version version_;
  std::size_t topic_seen_ = 0;
  Phase at_ = Phase::topic_length;
  std::uint16_t field_ = 0;  // a two-byte field being assembled
  bool field_half_ = false;  // its first byte has arrived
};

}  // namespace iotgw::bridge::mqtt
