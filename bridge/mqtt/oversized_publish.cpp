#include "bridge/mqtt/oversized_publish.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "bridge/mqtt/topic.hpp"
#include "bridge/mqtt/utf8.hpp"

namespace iotgw::bridge::mqtt {

PublishSkipper::PublishSkipper(const packet::FixedHeader& header, std::size_t topic_room,
                               packet::Version version)
    : remaining_length_(header.remaining_length),
      left_(header.remaining_length),
      topic_room_(std::min(topic_room, packet::max_field_length)),
      version_(version) {
  message_.qos = static_cast<mqtt::packet::Qos>((header.flags() >> 1) & 0x03);
  message_.retain = (header.flags() & 0x01) != 0;
  message_.dup = (header.flags() & 0x08) != 0;
  message_.size = header.packet_size();
}

Error PublishSkipper::fail(Errc code, std::string_view what) const {
  return Error{code, "PUBLISH: " + std::string(what)};
}

PublishSkipper::Phase PublishSkipper::after_topic() const noexcept {
  return message_.qos == mqtt::packet::Qos::at_most_once ? Phase::payload : Phase::packet_id;
}

// 3.3.2.1, 3.3.2.2: the topic and, for QoS 1/2, the packet id must fit in
// the remaining length; this is known as soon as the topic length is.
Result<> PublishSkipper::on_topic_length() {
  const std::size_t after_length = remaining_length_ - 2;
  if (message_.topic_length > after_length) {
    return fail(Errc::truncated, "topic name needs " + std::to_string(message_.topic_length) +
                                     " bytes but only " + std::to_string(after_length) +
                                     " remain in the packet");
  }
  if (after_topic() == Phase::packet_id && after_length - message_.topic_length < 2) {
    return fail(Errc::truncated, "packet identifier needs 2 bytes but only " +
                                     std::to_string(after_length - message_.topic_length) +
                                     " remain in the packet");
  }
  if (message_.topic_length > topic_room_) {
    return {};  // counted off unread; the topic stays unknown
  }
  message_.topic.reserve(message_.topic_length);
  if (message_.topic_length == 0) {
    return on_topic_complete();
  }
  return {};
}

// 1.5.3, 4.7.3: a topic that was kept whole is checked as decode_publish
// checks it.
Result<> PublishSkipper::on_topic_complete() {
  if (message_.topic.size() != message_.topic_length) {
    return {};
  }
  // 5.0 3.3.2.1: an empty topic name stands for a Topic Alias, which sits in
  // the properties that are skipped unread.
  if (message_.topic.empty() && version_ == packet::Version::v5) {
    return {};
  }
  if (auto checked = check_utf8(message_.topic, "topic name"); !checked) {
    return fail(Errc::invalid_utf8, checked.error().reason);
  }
  if (auto checked = check_topic_name(message_.topic); !checked) {
    return fail(checked.error().code, checked.error().reason);
  }
  return {};
}

Result<std::size_t> PublishSkipper::consume(std::span<const std::uint8_t> bytes) {
  if (remaining_length_ < 2) {
    return fail(Errc::truncated, "topic name length needs 2 bytes but only " +
                                     std::to_string(remaining_length_) + " remain in the packet");
  }
  std::size_t used = 0;
  while (used < bytes.size() && left_ > 0) {
    switch (at_) {
      case Phase::topic_length:
      case Phase::packet_id: {
        field_ = static_cast<std::uint16_t>((field_ << 8) | bytes[used]);
        ++used;
        --left_;
        if (!std::exchange(field_half_, true)) {
          break;
        }
        field_half_ = false;
        const std::uint16_t value = std::exchange(field_, 0);
        if (at_ == Phase::topic_length) {
          message_.topic_length = value;
          if (auto checked = on_topic_length(); !checked) {
            return checked.error();
          }
          at_ = value == 0 ? after_topic() : Phase::topic;
        } else {
          if (value == 0) {
            return fail(Errc::zero_packet_id, "packet identifier is 0");
          }
          message_.packet_id = value;
          at_ = Phase::payload;
        }
        break;
      }
      case Phase::topic: {
        const std::size_t n = std::min(message_.topic_length - topic_seen_, bytes.size() - used);
        if (message_.topic_length <= topic_room_) {
          message_.topic.append(reinterpret_cast<const char*>(bytes.data() + used), n);
        }
        topic_seen_ += n;
        used += n;
        left_ -= n;
        if (topic_seen_ == message_.topic_length) {
          if (auto checked = on_topic_complete(); !checked) {
            return checked.error();
          }
          at_ = after_topic();
        }
        break;
      }
      case Phase::payload: {
        const std::size_t n = std::min(left_, bytes.size() - used);
        used += n;
        left_ -= n;
        break;
      }
    }
  }
  return used;
}

}  // namespace iotgw::bridge::mqtt
