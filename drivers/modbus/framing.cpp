#include "drivers/modbus/framing.hpp"

#include "drivers/modbus/crc16.hpp"
#include "drivers/modbus/pdu/common.hpp"

namespace iotgw::drivers::modbus {
namespace {

// Serial line spec 2.5.1: address, PDU, CRC low byte, CRC high byte.
Bytes encode_rtu_adu(std::uint8_t unit, std::uint16_t, std::span<const std::uint8_t> pdu) {
  Bytes out;
  out.reserve(1 + pdu.size() + 2);
  out.push_back(unit);
  out.insert(out.end(), pdu.begin(), pdu.end());
  const std::uint16_t crc = crc16(out);
  out.push_back(static_cast<std::uint8_t>(crc & 0xFFU));
  out.push_back(static_cast<std::uint8_t>(crc >> 8));
  return out;
}

// TCP spec 3.1.3: transaction id, protocol id 0, length (unit id + PDU), unit id, PDU.
Bytes encode_tcp_adu(std::uint8_t unit, std::uint16_t transaction_id,
                     std::span<const std::uint8_t> pdu) {
  Bytes out;
  out.reserve(mbap_length + pdu.size());
  pdu::put_u16(out, transaction_id);
  pdu::put_u16(out, 0);
  pdu::put_u16(out, static_cast<std::uint16_t>(1 + pdu.size()));
  out.push_back(unit);
  out.insert(out.end(), pdu.begin(), pdu.end());
  return out;
}

}  // namespace

const Framing rtu_framing{FramingKind::rtu, "rtu", 1, 2, 256, true, &encode_rtu_adu};
const Framing tcp_framing{FramingKind::tcp, "tcp", mbap_length, 0, 260, false, &encode_tcp_adu};

const Framing& framing_for(config::Protocol protocol) {
  return protocol == config::Protocol::modbus_tcp ? tcp_framing : rtu_framing;
}

MbapHeader parse_mbap(std::span<const std::uint8_t> header) {
  return MbapHeader{pdu::get_u16(header, 0), pdu::get_u16(header, 2), pdu::get_u16(header, 4),
                    header[6]};
}

}  // namespace iotgw::drivers::modbus
