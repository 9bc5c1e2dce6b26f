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

// Closes what was opened and says what failed, with the system's reason.
Error failure(int fd, std::string what, int error_number) {
  ::close(fd);
  return Error{Errc::cannot_open, what + ": " + std::strerror(error_number)};
}

}  // namespace

Result<OpenedPort> open_serial(const config::Bus& bus) {
  // Only usb: names need the port list; plain paths open directly.
  Result<std::string> path =
      resolve_port(bus.port, bus.port.starts_with("usb:") ? list_ports() : std::vector<PortInfo>{});
  if (!path) {
    return path.error();
  }
  const int fd = ::open(path->c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return Error{Errc::cannot_open, "cannot open " + *path + ": " + std::strerror(errno)};
  }
  // Another program on the same line would corrupt every frame.
  if (::ioctl(fd, TIOCEXCL) != 0) {
    return failure(fd, "cannot take " + *path + " for exclusive use", errno);
  }
  if (const int error = apply_line_settings(fd, bus); error != 0) {
    return failure(fd, "cannot apply the line settings to " + *path, error);
  }
  if (bus.rs485.enabled) {
    if (const int error = apply_rs485(fd, bus.rs485); error != 0) {
      return failure(fd, *path + " does not take RS-485 mode", error);
    }
  }
  if (const int error = discard_buffers(fd); error != 0) {
    return failure(fd, "cannot flush " + *path, error);
  }
  return OpenedPort{fd, std::move(*path)};
}

}  // namespace iotgw::drivers::serial
