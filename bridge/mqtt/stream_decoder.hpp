// Turns a byte stream from the broker, cut into arbitrary reads, into whole
// packets. Only the unfinished tail of the stream is buffered, and never more
// than the maximum packet size: a header announcing a larger packet is
// rejected before its body is waited for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "bridge/mqtt/error.hpp"
#include "bridge/mqtt/packet/packet.hpp"

namespace iotgw::mqtt {

class stream_decoder {
 public:
  explicit stream_decoder(decode_limits limits = {}) : limits_(limits) {}

  // 2.2: decodes every packet that `bytes` completes and appends it to `out`
  // in stream order. Packets before a malformed one are still delivered; the
  // first error is returned and the decoder then refuses input until reset().
  check_result feed(std::span<const std::uint8_t> bytes, std::vector<packet>& out);

  // Bytes held back because they do not finish a packet yet.
  std::size_t buffered() const noexcept { return pending_.size(); }
  bool failed() const noexcept { return failed_; }

  // Forgets buffered bytes and any error: the start of a new connection.
  void reset() noexcept;

 private:
  check_result fail(error failure);

  decode_limits limits_;
  std::vector<std::uint8_t> pending_;
  bool failed_ = false;
};

}  // namespace iotgw::mqtt
