// Fuzzes the MQTT stream decoder with the input as a byte stream from the
// broker, once in MQTT 3.1.1 and once in MQTT 5. Beyond "no crash", it checks
// that:
// - the packets and the error do not depend on how the stream is cut;
// - every decoded packet re-encodes to its original bytes (the remaining
//   length compared by value, since 3.1.1 allows padded encodings) and
//   decodes again to the same packet; in MQTT 5 a reason tail written out in
//   full where the short form says the same (5.0 3.4.2.1) re-encodes shorter;
// - DUP patching and the topic matcher agree with what was decoded;
// - a PUBLISH above the size limit is skipped holding no more than the limit,
//   and what was read of it agrees with decoding it whole without a limit;
// - a small size limit stops the stream only at a packet above it that is
//   not a PUBLISH.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "bridge/mqtt/packet/packet.hpp"
#include "bridge/mqtt/stream_decoder.hpp"
#include "bridge/mqtt/topic.hpp"

namespace {

using namespace iotgw::bridge::mqtt;

void require(bool condition) {
  if (!condition) {
    std::abort();
  }
}

constexpr std::size_t unlimited = std::numeric_limits<std::size_t>::max();

struct Run {
  std::vector<StreamItem> items;
  std::optional<Errc> failure;
};

// Feeds `input` in chunks whose sizes cycle through 1..`max_chunk`.
Run feed_in_chunks(std::span<const std::uint8_t> input, std::size_t max_chunk,
                   packet::Version version, packet::DecodeLimits limits) {
  StreamDecoder decoder(version, limits);
  Run result;
  std::size_t chunk = 1;
  while (!input.empty()) {
    const std::size_t n = std::min(chunk, input.size());
    if (auto fed = decoder.feed(input.first(n), result.items); !fed) {
      result.failure = fed.error().code;
      require(decoder.buffered() == 0);
      break;
    }
    require(decoder.buffered() <= limits.max_packet_size);
    input = input.subspan(n);
    chunk = chunk % max_chunk + 1;
  }
  return result;
}

// Checks that `skipped` came from a PUBLISH at the front of `input`, larger
// than the limit, and agrees with that PUBLISH decoded whole.
std::size_t check_skipped(std::span<const std::uint8_t> input, const OversizedPublish& skipped,
                          packet::Version version, const packet::DecodeLimits& limits) {
  auto header = packet::parse_fixed_header(input, unlimited);
  require(header.has_value() && header->has_value());
  const packet::FixedHeader original = **header;
  require(original.type() == packet::PacketType::publish);
  require(original.packet_size() == skipped.size);
  require(skipped.size > limits.max_packet_size && skipped.size <= input.size());
  require(skipped.qos == static_cast<packet::Qos>((original.flags() >> 1) & 0x03));
  require(skipped.retain == ((original.flags() & 0x01) != 0));
  require(skipped.dup == ((original.flags() & 0x08) != 0));
  auto whole = decode(input.first(skipped.size), version, packet::DecodeLimits{unlimited});
  const bool topic_kept = skipped.topic.size() == skipped.topic_length;
  require(topic_kept || skipped.topic.empty());
  if (topic_kept && version == packet::Version::v3_1_1) {
    // Every field the decoder checks was checked: decoding it whole succeeds.
    // (An MQTT 5 PUBLISH has properties after the fields skipping reads.)
    require(whole.has_value());
  }
  if (whole) {
    const auto& message = std::get<packet::Publish>(*whole);
    require(message.topic.size() == skipped.topic_length);
    require(!topic_kept || message.topic == skipped.topic);
    require(message.packet_id == skipped.packet_id);
  }
  return skipped.size;
}

// Checks that `decoded` came from the front of `input` and re-encodes to it.
// 5.0 3.4.2.1, 3.14.2.1, 3.15.2.1: the packets whose reason tail has short
// forms.
bool has_reason_tail(packet::PacketType type) {
  using packet::PacketType;
  return type == PacketType::puback || type == PacketType::pubrec || type == PacketType::pubrel ||
         type == PacketType::pubcomp || type == PacketType::disconnect || type == PacketType::auth;
}

std::size_t check_round_trip(std::span<const std::uint8_t> input, const packet::Packet& decoded,
                             packet::Version version, const packet::DecodeLimits& limits) {
  auto header = packet::parse_fixed_header(input, limits.max_packet_size);
  require(header.has_value() && header->has_value());
  const packet::FixedHeader original = **header;
  require(original.packet_size() <= input.size());

  std::vector<std::uint8_t> encoded;
  auto written = encode(decoded, version, encoded);
  require(written.has_value() && *written == encoded.size());
  auto size = encoded_size(decoded, version);
  require(size.has_value() && *size == encoded.size());
  auto re_header = packet::parse_fixed_header(encoded, limits.max_packet_size);
  require(re_header.has_value() && re_header->has_value());
  const packet::FixedHeader canonical = **re_header;
  require(canonical.first_byte == original.first_byte);
  if (canonical.remaining_length == original.remaining_length) {
    const auto original_body = input.subspan(original.header_size, original.remaining_length);
    const auto canonical_body =
        std::span<const std::uint8_t>(encoded).subspan(canonical.header_size);
    require(std::equal(original_body.begin(), original_body.end(), canonical_body.begin(),
                       canonical_body.end()));
  } else {
    require(version == packet::Version::v5 && has_reason_tail(original.type()) &&
            canonical.remaining_length < original.remaining_length);
  }

  auto again = decode(encoded, version, limits);
  require(again.has_value() && *again == decoded);

  if (const auto* message = std::get_if<packet::Publish>(&decoded)) {
    // A topic name is a filter matching exactly itself; '#' skips '$' topics.
    if (!message->topic.empty()) {  // MQTT 5: empty with a Topic Alias
      require(topic_matches(message->topic, message->topic));
      require(topic_matches("#", message->topic) == (message->topic.front() != '$'));
    }
    if (message->qos != packet::Qos::at_most_once) {
      require(packet::set_dup(encoded, !message->dup));
      auto flipped = decode(encoded, version, limits);
      require(flipped.has_value() && std::get<packet::Publish>(*flipped).dup != message->dup);
    } else {
      require(!packet::set_dup(encoded, true));
    }
  }
  if (const auto* request = std::get_if<packet::Subscribe>(&decoded)) {
    for (const auto& entry : request->subscriptions) {
      require(check_topic_filter(entry.filter).has_value());
      topic_matches(entry.filter, "a/b/$c");
    }
  }
  return original.packet_size();
}

void fuzz_one(std::span<const std::uint8_t> input, packet::Version version) {
  const std::size_t size = input.size();
  const packet::DecodeLimits limits{};

  Run whole;
  StreamDecoder decoder(version, limits);
  if (auto fed = decoder.feed(input, whole.items); !fed) {
    whole.failure = fed.error().code;
  }
  for (const std::size_t max_chunk : {std::size_t{1}, std::size_t{3}, std::size_t{7}}) {
    const Run chunked = feed_in_chunks(input, max_chunk, version, limits);
    require(chunked.items == whole.items);
    require(chunked.failure == whole.failure);
  }

  std::size_t offset = 0;
  for (const auto& item : whole.items) {
    if (const auto* skipped = std::get_if<OversizedPublish>(&item)) {
      offset += check_skipped(input.subspan(offset), *skipped, version, limits);
    } else {
      offset +=
          check_round_trip(input.subspan(offset), std::get<packet::Packet>(item), version, limits);
    }
  }
  require(offset <= size);
  if (!whole.failure) {
    // Without an error the stream ends inside at most one unfinished packet.
    auto tail = packet::parse_fixed_header(input.subspan(offset), unlimited);
    require(tail.has_value());
    require(!tail->has_value() || (*tail)->packet_size() > size - offset);
  }

  // A small limit never buffers more (feed_in_chunks checks). Up to where
  // one of the runs stops, both yield the same packets, except that
  // PUBLISHes above the small limit come out skipped.
  const packet::DecodeLimits small_limits{32};
  const Run small = feed_in_chunks(input, 5, version, small_limits);
  offset = 0;
  for (std::size_t i = 0; i < small.items.size() && i < whole.items.size(); ++i) {
    if (const auto* skipped = std::get_if<OversizedPublish>(&small.items[i])) {
      if (const auto* both = std::get_if<OversizedPublish>(&whole.items[i])) {
        require(skipped->size == both->size && skipped->packet_id == both->packet_id);
      } else {
        const auto& message = std::get<packet::Publish>(std::get<packet::Packet>(whole.items[i]));
        require(skipped->qos == message.qos && skipped->packet_id == message.packet_id);
      }
      offset += check_skipped(input.subspan(offset), *skipped, version, small_limits);
    } else {
      require(small.items[i] == whole.items[i]);
      auto header = packet::parse_fixed_header(input.subspan(offset), unlimited);
      require(header.has_value() && header->has_value());
      offset += (*header)->packet_size();
    }
  }
  // The small limit only goes further where the whole run stopped at an error
  // in a topic too long for it to check.
  require(small.items.size() <= whole.items.size() || whole.failure.has_value());
  // It only stops sooner at a packet it may not buffer: one above it that is
  // not a PUBLISH, since a PUBLISH is skipped whatever the whole run read in it.
  if (small.items.size() < whole.items.size()) {
    require(small.failure == Errc::packet_too_large);
    const auto* refused = std::get_if<packet::Packet>(&whole.items[small.items.size()]);
    require(refused != nullptr && !std::holds_alternative<packet::Publish>(*refused));
    auto header = packet::parse_fixed_header(input.subspan(offset), unlimited);
    require(header.has_value() && header->has_value());
    require((*header)->packet_size() > small_limits.max_packet_size);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  fuzz_one(input, packet::Version::v3_1_1);
  fuzz_one(input, packet::Version::v5);
  return 0;
}
