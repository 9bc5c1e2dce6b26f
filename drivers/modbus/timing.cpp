#include "drivers/modbus/timing.hpp"

#include <algorithm>
#include <cstdint>

namespace iotgw::drivers::modbus {

int bits_per_character(const config::Bus& bus) {
  const int parity = bus.parity == config::Parity::none ? 0 : 1;
  return 1 + bus.data_bits + parity + bus.stop_bits;
}

Micros character_time(const config::Bus& bus) {
  const std::uint64_t baud = std::max(1U, bus.baud);
  const std::uint64_t bits = static_cast<std::uint64_t>(bits_per_character(bus));
  return Micros{(bits * 1'000'000 + baud - 1) / baud};
}

Micros silent_interval(const config::Bus& bus) {
  if (bus.baud > 19200) {
    return Micros{1750};
  }
  // 3.5 characters = 7 bit times / 2, computed in whole microseconds rounded up.
  const std::uint64_t baud = std::max(1U, bus.baud);
  const std::uint64_t bits = static_cast<std::uint64_t>(bits_per_character(bus));
  return Micros{(7 * bits * 1'000'000 + 2 * baud - 1) / (2 * baud)};
}

Micros frame_gap(const config::Bus& bus) {
  const Micros configured =
      bus.frame_gap ? std::chrono::duration_cast<Micros>(*bus.frame_gap) : Micros{0};
  if (bus.protocol == config::Protocol::modbus_rtu) {
    return std::max(silent_interval(bus), configured);
  }
  return configured;
}

}  // namespace iotgw::drivers::modbus
