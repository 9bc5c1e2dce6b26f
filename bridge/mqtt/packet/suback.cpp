#include "bridge/mqtt/packet/suback.hpp"

#include <string>

namespace iotgw::bridge::mqtt::packet {
namespace {

// 3.9.3: the only four return codes a SUBACK may carry.
bool is_defined(std::uint8_t code) noexcept {
  return code <= 0x02 || code == 0x80;
}

}  // namespace

Result<std::size_t> body_size(const Suback& packet) {
  if (packet.packet_id == 0) {
    return Error{Errc::zero_packet_id, "SUBACK: packet identifier is 0"};
  }
  if (packet.codes.empty()) {
    return Error{Errc::empty_payload, "SUBACK: no return code"};
  }
  for (const auto code : packet.codes) {
    if (!is_defined(static_cast<std::uint8_t>(code))) {
      return Error{
          Errc::invalid_return_code,
          "SUBACK: return code " + std::to_string(static_cast<int>(code)) + " is reserved"};
    }
  }
  const std::size_t size = 2 + packet.codes.size();
  if (size > max_remaining_length) {
    return Error{Errc::packet_too_large, "SUBACK: remaining length exceeds 268435455"};
  }
  return size;
}

void write_body(const Suback& packet, Writer& out) {
  out.u16(packet.packet_id);
  for (const auto code : packet.codes) {
    out.u8(static_cast<std::uint8_t>(code));
  }
}

Result<Suback> decode_suback(Reader& in) {
  Suback packet;
  auto id = in.packet_id();
  if (!id) {
    return id.error();
  }
  packet.packet_id = *id;
  if (in.empty()) {
    return in.fail(Errc::empty_payload, "no return code");
  }
  const auto codes = in.rest();
  packet.codes.reserve(codes.size());
  for (const auto code : codes) {
    if (!is_defined(code)) {
      return in.fail(Errc::invalid_return_code,
                     "return code " + std::to_string(static_cast<int>(code)) + " is reserved");
    }
    packet.codes.push_back(static_cast<SubackCode>(code));
  }
  return packet;
}

}  // namespace iotgw::bridge::mqtt::packet
