#include "bridge/mqtt/stream_decoder.hpp"

#include <algorithm>

namespace iotgw::mqtt {

void stream_decoder::reset() noexcept {
  pending_.clear();
  failed_ = false;
}

check_result stream_decoder::fail(error failure) {
  failed_ = true;
  pending_.clear();
  return failure;
}

// 2.2: packets wholly inside `bytes` are decoded in place; only a packet that
// straddles reads is copied, and only up to its announced size.
check_result stream_decoder::feed(std::span<const std::uint8_t> bytes, std::vector<packet>& out) {
  if (failed_) {
    return error{errc::decoder_failed, "the stream already failed; reset before feeding again"};
  }
  for (;;) {
    if (pending_.empty()) {
      if (bytes.empty()) {
        return std::nullopt;
      }
      auto parsed = parse_fixed_header(bytes, limits_.max_packet_size);
      if (!parsed) {
        return fail(parsed.error());
      }
      if (*parsed && bytes.size() >= (*parsed)->packet_size()) {
        const fixed_header header = **parsed;
        auto decoded =
            decode_body(header, bytes.subspan(header.header_size, header.remaining_length));
        if (!decoded) {
          return fail(decoded.error());
        }
        out.push_back(std::move(decoded).value());
        bytes = bytes.subspan(header.packet_size());
        continue;
      }
      if (*parsed) {
        pending_.reserve((*parsed)->packet_size());
      }
      pending_.assign(bytes.begin(), bytes.end());
      return std::nullopt;
    }
    auto parsed = parse_fixed_header(pending_, limits_.max_packet_size);
    if (!parsed) {
      return fail(parsed.error());
    }
    if (!*parsed) {
      // The header is still incomplete: it grows one byte at a time, so no
      // more than the header is buffered before its length has been checked.
      if (bytes.empty()) {
        return std::nullopt;
      }
      pending_.push_back(bytes.front());
      bytes = bytes.subspan(1);
      continue;
    }
    const fixed_header header = **parsed;
    const std::size_t take = std::min(header.packet_size() - pending_.size(), bytes.size());
    pending_.insert(pending_.end(), bytes.begin(),
                    bytes.begin() + static_cast<std::ptrdiff_t>(take));
    bytes = bytes.subspan(take);
    if (pending_.size() < header.packet_size()) {
      return std::nullopt;
    }
    auto decoded =
        decode_body(header, std::span<const std::uint8_t>(pending_).subspan(header.header_size));
    if (!decoded) {
      return fail(decoded.error());
    }
    out.push_back(std::move(decoded).value());
    pending_.clear();
  }
}

}  // namespace iotgw::mqtt
