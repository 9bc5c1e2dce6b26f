#include "bridge/mqtt/stream_decoder.hpp"

#include <algorithm>
#include <limits>

namespace iotgw::bridge::mqtt {
namespace {

// The fixed header is parsed without a size limit; the decoder applies it.
constexpr std::size_t unlimited = std::numeric_limits<std::size_t>::max();

}  // namespace

std::size_t StreamDecoder::buffered() const noexcept {
  return pending_.size() + (skipping_ ? skipping_->held() : 0);
}

void StreamDecoder::reset(packet::Version version) noexcept {
  version_ = version;
  pending_.clear();
  skipping_.reset();
  failed_ = false;
}

Result<> StreamDecoder::fail(Error failure) {
  failed_ = true;
  pending_.clear();
  skipping_.reset();
  return failure;
}

Result<bool> StreamDecoder::start_skip_if_too_large(const packet::FixedHeader& header) {
  auto fits = check_packet_size(header, limits_.max_packet_size);
  if (fits) {
    return false;
  }
  if (header.type() != packet::PacketType::publish) {
    return fits.error();
  }
  skipping_.emplace(header, limits_.max_packet_size, version_);
  return true;
}

// 2.2: packets wholly inside `bytes` are decoded in place; only a packet that
// straddles reads is copied, and only up to its announced size. The body of
// a PUBLISH too large for that goes through the skipper instead.
Result<> StreamDecoder::feed(std::span<const std::uint8_t> bytes, std::vector<StreamItem>& out) {
  if (failed_) {
    return Error{Errc::decoder_failed, "the stream already failed; reset before feeding again"};
  }
  for (;;) {
    if (skipping_) {
      auto used = skipping_->consume(bytes);
      if (!used) {
        return fail(used.error());
      }
      bytes = bytes.subspan(*used);
      if (!skipping_->done()) {
        return {};  // every byte went into the skip
      }
      out.emplace_back(skipping_->message());
      skipping_.reset();
      continue;
    }
    if (pending_.empty()) {
      if (bytes.empty()) {
        return {};
      }
      auto parsed = packet::parse_fixed_header(bytes, unlimited);
      if (!parsed) {
        return fail(parsed.error());
      }
      if (*parsed) {
        const packet::FixedHeader header = **parsed;
        auto skip = start_skip_if_too_large(header);
        if (!skip) {
          return fail(skip.error());
        }
        if (*skip) {
          bytes = bytes.subspan(header.header_size);
          continue;
        }
        if (bytes.size() >= header.packet_size()) {
          auto decoded = decode_body(
              header, bytes.subspan(header.header_size, header.remaining_length), version_);
          if (!decoded) {
            return fail(decoded.error());
          }
          out.emplace_back(std::move(decoded).value());
          bytes = bytes.subspan(header.packet_size());
          continue;
        }
        pending_.reserve(header.packet_size());
      }
      pending_.assign(bytes.begin(), bytes.end());
      return {};
    }
    auto parsed = packet::parse_fixed_header(pending_, unlimited);
    if (!parsed) {
      return fail(parsed.error());
    }
    if (!*parsed) {
      // The header is still incomplete: it grows one byte at a time, so no
      // more than the header is buffered before its length has been checked.
      if (bytes.empty()) {
        return {};
      }
      pending_.push_back(bytes.front());
      bytes = bytes.subspan(1);
      continue;
    }
    const packet::FixedHeader header = **parsed;
    auto skip = start_skip_if_too_large(header);
    if (!skip) {
      return fail(skip.error());
    }
    if (*skip) {
      // The header completed with its last byte, so pending_ holds nothing else.
      pending_.clear();
      continue;
    }
    const std::size_t take = std::min(header.packet_size() - pending_.size(), bytes.size());
    pending_.insert(pending_.end(), bytes.begin(),
                    bytes.begin() + static_cast<std::ptrdiff_t>(take));
    bytes = bytes.subspan(take);
    if (pending_.size() < header.packet_size()) {
      return {};
    }
    auto decoded = decode_body(
        header, std::span<const std::uint8_t>(pending_).subspan(header.header_size), version_);
    if (!decoded) {
      return fail(decoded.error());
    }
    out.emplace_back(std::move(decoded).value());
    pending_.clear();
  }
}

}  // namespace iotgw::bridge::mqtt
