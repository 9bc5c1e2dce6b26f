#include <cstdio>

#include <fmt/format.h>

#include "drivers/serial/port_list.hpp"
#include "gateway/commands.hpp"

namespace iotgw::gateway {

int ports_command() {
  const std::vector<drivers::serial::PortInfo> ports = drivers::serial::list_ports();
  if (ports.empty()) {
    std::printf("no serial ports found\n");
    return 0;
  }
  for (const drivers::serial::PortInfo& port : ports) {
    std::string line = fmt::format("{}  {}", port.name, port.description);
    if (port.transport == "usb") {
      line += fmt::format("\n    port = \"{}\"", drivers::serial::usb_name(port));
      if (!port.manufacturer.empty()) {
        line += fmt::format("  ({})", port.manufacturer);
      }
    }
    if (!port.by_id.empty()) {
      line += fmt::format("\n    port = \"{}\"", port.by_id);
    }
    std::printf("%s\n", line.c_str());
  }
  return 0;
}

}  // namespace iotgw::gateway
