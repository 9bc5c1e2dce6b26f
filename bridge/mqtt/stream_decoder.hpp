// Turns a byte stream from the broker, cut into arbitrary reads, into whole
// packets. Only the unfinished tail of the stream is buffered, and never more
// than the maximum packet size: a header announcing a larger packet is
// rejected before its body is waited for, except for a PUBLISH, which is
// read only as far as its topic and packet id and then skipped (see
// oversized_publish.hpp) so the session can acknowledge and drop it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "bridge/mqtt/error.hpp"
#include "bridge/mqtt/oversized_publish.hpp"
#include "bridge/mqtt/packet/packet.hpp"

namespace iotgw::bridge::mqtt {

// What the decoder yields, in stream order: a whole packet, or what was read
// of a PUBLISH too large to buffer.
using StreamItem = std::variant<packet::Packet, OversizedPublish>;

class StreamDecoder {
 public:
  StreamDecoder(packet::Version version, packet::DecodeLimits limits)
      : version_(version), limits_(limits) {}

  // 2.2: decodes every packet that `bytes` completes and appends it to `out`
  // in stream order. Packets before a malformed one are still delivered; the
  // first error is returned and the decoder then refuses input until reset().
  Result<> feed(std::span<const std::uint8_t> bytes, std::vector<StreamItem>& out);

  // Bytes held back because they do not finish a packet yet; while a large
  // PUBLISH is skipped, the part of its topic kept. Never more than the
  // maximum packet size.
  std::size_t buffered() const noexcept;
  bool failed() const noexcept { return failed_; }

  // Forgets buffered bytes, a skip under way and any error: the start of a
  // new connection, which speaks `version`.
  void reset(packet::Version version) noexcept;

 private:
  Result<> fail(Error failure);
  // 2.2: whether the packet of `header` is too large to buffer. A PUBLISH
  // then starts being skipped; any other packet is an error.
  Result<bool> start_skip_if_too_large(const packet::FixedHeader& header);

  packet::Version version_;
  packet::DecodeLimits limits_;
  std::vector<std::uint8_t> pending_;
  std::optional<PublishSkipper> skipping_;
  bool failed_ = false;
};

}  // namespace iotgw::bridge::mqtt
