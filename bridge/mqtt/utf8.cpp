#include "bridge/mqtt/utf8.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace iotgw::bridge::mqtt {
namespace {

Error utf8_error(std::string_view field, std::size_t offset, std::string_view what) {
  return Error{Errc::invalid_utf8, std::string(field) + ": " + std::string(what) + " at byte " +
                                       std::to_string(offset)};
}

}  // namespace

// 1.5.3 with RFC 3629 section 4: the byte ranges of well-formed sequences, so
// overlong forms, surrogates (U+D800..U+DFFF) and code points above U+10FFFF
// are rejected by the second byte's allowed range.
Result<> check_utf8(std::string_view text, std::string_view field) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  const std::size_t size = text.size();
  std::size_t i = 0;
  while (i < size) {
    const std::uint8_t lead = bytes[i];
    if (lead == 0x00) {
      return utf8_error(field, i, "U+0000 is not allowed");
    }
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    std::uint8_t second_min = 0x80;
    std::uint8_t second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead == 0xE0) {
      length = 3;
      second_min = 0xA0;  // below is an overlong 2-byte form
    } else if (lead == 0xED) {
      length = 3;
      second_max = 0x9F;  // above are the UTF-16 surrogates
    } else if (lead >= 0xE1 && lead <= 0xEF) {
      length = 3;
    } else if (lead == 0xF0) {
      length = 4;
      second_min = 0x90;  // below is an overlong 3-byte form
    } else if (lead >= 0xF1 && lead <= 0xF3) {
      length = 4;
    } else if (lead == 0xF4) {
      length = 4;
      second_max = 0x8F;  // above is past U+10FFFF
    } else {
      // 0x80..0xC1 (continuation or overlong lead) and 0xF5..0xFF.
      return utf8_error(field, i, "invalid lead byte");
    }
    if (size - i < length) {
      return utf8_error(field, i, "truncated sequence");
    }
    if (bytes[i + 1] < second_min || bytes[i + 1] > second_max) {
      return utf8_error(field, i, "overlong, surrogate or out-of-range sequence");
    }
    for (std::size_t k = 2; k < length; ++k) {
      if ((bytes[i + k] & 0xC0) != 0x80) {
        return utf8_error(field, i, "invalid continuation byte");
      }
    }
    i += length;
  }
  return {};
}

}  // namespace iotgw::bridge::mqtt
