#include "drivers/serial/serial_open.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "drivers/serial/port_list.hpp"
#include "drivers/serial/termios2.hpp"

namespace iotgw::drivers::serial {
namespace {

OpenedPort failure(OpenedPort port, std::string what, int error_number) {
  if (port.fd >= 0) {
    ::close(port.fd);
    port.fd = -1;
  }
  port.error = std::move(what);
  if (error_number != 0) {
    port.error += std::string(": ") + std::strerror(error_number);
  }
  port.error_number = error_number;
  return port;
}

}  // namespace

OpenedPort open_serial(const config::Bus& bus) {
  OpenedPort port;
  std::string why;
  // Only usb: names need the port list; plain paths open directly.
  const std::optional<std::string> path = resolve_port(
      bus.port, bus.port.starts_with("usb:") ? list_ports() : std::vector<PortInfo>{}, why);
  if (!path) {
    return failure(std::move(port), why, 0);
  }
  port.path = *path;
  port.fd = ::open(path->c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (port.fd < 0) {
    return failure(std::move(port), "cannot open " + *path, errno);
  }
  // Another program on the same line would corrupt every frame.
  if (::ioctl(port.fd, TIOCEXCL) != 0) {
    return failure(std::move(port), "cannot take " + *path + " for exclusive use", errno);
  }
  if (const int error = apply_line_settings(port.fd, bus); error != 0) {
    return failure(std::move(port), "cannot apply the line settings to " + *path, error);
  }
  if (bus.rs485.enabled) {
    if (const int error = apply_rs485(port.fd, bus.rs485); error != 0) {
      return failure(std::move(port), *path + " does not take RS-485 mode", error);
    }
  }
  if (const int error = discard_buffers(port.fd); error != 0) {
    return failure(std::move(port), "cannot flush " + *path, error);
  }
  return port;
}

}  // namespace iotgw::drivers::serial
