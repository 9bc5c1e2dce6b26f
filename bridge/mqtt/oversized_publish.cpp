#include "bridge/mqtt/oversized_publish.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "bridge/mqtt/topic.hpp"
#include "bridge/mqtt/utf8.hpp"

namespace iotgw::mqtt {

publish_skipper::publish_skipper(const fixed_header& header, std::size_t topic_room)
    : remaining_length_(header.remaining_length),
      left_(header.remaining_length),
      topic_room_(std::min(topic_room, max_field_length)) {
  message_.qos = static_cast<mqtt::qos>((header.flags() >> 1) & 0x03);
  message_.retain = (header.flags() & 0x01) != 0;
  message_.dup = (header.flags() & 0x08) != 0;
  message_.size = header.packet_size();
}

error publish_skipper::fail(errc code, std::string_view what) const {
  return error{code, "PUBLISH: " + std::string(what)};
}

publish_skipper::phase publish_skipper::after_topic() const noexcept {
  return message_.qos == mqtt::qos::at_most_once ? phase::payload : phase::packet_id;
}

// 3.3.2.1, 3.3.2.2: the topic and, for QoS 1/2, the packet id must fit in
// the remaining length; this is known as soon as the topic length is.
check_result publish_skipper::on_topic_length() {
  const std::size_t after_length = remaining_length_ - 2;
  if (message_.topic_length > after_length) {
    return fail(errc::truncated, "topic name needs " + std::to_string(message_.topic_length) +
                                     " bytes but only " + std::to_string(after_length) +
                                     " remain in the packet");
  }
  if (after_topic() == phase::packet_id && after_length - message_.topic_length < 2) {
    return fail(errc::truncated, "packet identifier needs 2 bytes but only " +
                                     std::to_string(after_length - message_.topic_length) +
                                     " remain in the packet");
  }
  if (message_.topic_length > topic_room_) {
    return std::nullopt;  // counted off unread; the topic stays unknown
  }
  message_.topic.reserve(message_.topic_length);
  if (message_.topic_length == 0) {
    return on_topic_complete();
  }
  return std::nullopt;
}

// 1.5.3, 4.7.3: a topic that was kept whole is checked as decode_publish
// checks it.
check_result publish_skipper::on_topic_complete() {
  if (message_.topic.size() != message_.topic_length) {
    return std::nullopt;
  }
  if (auto failure = check_utf8(message_.topic, "topic name")) {
    return fail(errc::invalid_utf8, failure->reason);
  }
  if (auto failure = check_topic_name(message_.topic)) {
    return fail(failure->code, failure->reason);
  }
  return std::nullopt;
}

result<std::size_t> publish_skipper::consume(std::span<const std::uint8_t> bytes) {
  if (remaining_length_ < 2) {
    return fail(errc::truncated, "topic name length needs 2 bytes but only " +
                                     std::to_string(remaining_length_) + " remain in the packet");
  }
  std::size_t used = 0;
  while (used < bytes.size() && left_ > 0) {
    switch (at_) {
      case phase::topic_length:
      case phase::packet_id: {
        field_ = static_cast<std::uint16_t>((field_ << 8) | bytes[used]);
        ++used;
        --left_;
        if (!std::exchange(field_half_, true)) {
          break;
        }
        field_half_ = false;
        const std::uint16_t value = std::exchange(field_, 0);
        if (at_ == phase::topic_length) {
          message_.topic_length = value;
          if (auto failure = on_topic_length()) {
            return *failure;
          }
          at_ = value == 0 ? after_topic() : phase::topic;
        } else {
          if (value == 0) {
            return fail(errc::zero_packet_id, "packet identifier is 0");
          }
          message_.packet_id = value;
          at_ = phase::payload;
        }
        break;
      }
      case phase::topic: {
        const std::size_t n = std::min(message_.topic_length - topic_seen_, bytes.size() - used);
        if (message_.topic_length <= topic_room_) {
          message_.topic.append(reinterpret_cast<const char*>(bytes.data() + used), n);
        }
        topic_seen_ += n;
        used += n;
        left_ -= n;
        if (topic_seen_ == message_.topic_length) {
          if (auto failure = on_topic_complete()) {
            return *failure;
          }
          at_ = after_topic();
        }
        break;
      }
      case phase::payload: {
        const std::size_t n = std::min(left_, bytes.size() - used);
        used += n;
        left_ -= n;
        break;
      }
    }
  }
  return used;
}

}  // namespace iotgw::mqtt
