#include "gateway/systemd_notify.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace iotgw::gateway {
namespace {

// The notify protocol of sd_notify(3), without libsystemd (and the five
// libraries it brings, a megabyte of resident memory): one datagram to the
// AF_UNIX socket $NOTIFY_SOCKET names, a path or, after '@', a name in the
// abstract namespace.
void notify(std::string_view message) {
  const char* socket_name = std::getenv("NOTIFY_SOCKET");
  if (socket_name == nullptr) {
    return;
  }
  const std::string_view name(socket_name);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (name.empty() || (name[0] != '/' && name[0] != '@') || name.size() > sizeof address.sun_path) {
    return;
  }
  std::memcpy(address.sun_path, name.data(), name.size());
  if (address.sun_path[0] == '@') {
    address.sun_path[0] = '\0';
  }
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return;
  }
  // Nothing to do when it fails: systemd then acts on its own timeouts.
  [[maybe_unused]] const ssize_t sent =
      ::sendto(fd, message.data(), message.size(), MSG_NOSIGNAL,
               reinterpret_cast<const sockaddr*>(&address), length);
  ::close(fd);
}

}  // namespace

void notify_ready(std::string_view status) {
  notify("READY=1\nSTATUS=" + std::string(status));
}

// MONOTONIC_USEC lets systemd (Type=notify-reload) tell this reload from an earlier one.
void notify_reloading() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  const auto usec = static_cast<std::uint64_t>(now.tv_sec) * 1'000'000 +
                    static_cast<std::uint64_t>(now.tv_nsec) / 1000;
  notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void notify_status(std::string_view status) {
  notify("STATUS=" + std::string(status));
}

void notify_stopping() {
  notify("STOPPING=1");
}

void notify_watchdog() {
  notify("WATCHDOG=1");
}

// systemd sets WATCHDOG_USEC, and WATCHDOG_PID for the process it means (a
// child that inherited the environment is not asked).
std::optional<std::chrono::microseconds> watchdog_interval() {
  const char* usec = std::getenv("WATCHDOG_USEC");
  if (usec == nullptr) {
    return std::nullopt;
  }
  if (const char* pid = std::getenv("WATCHDOG_PID");
      pid != nullptr && std::strtoll(pid, nullptr, 10) != ::getpid()) {
    return std::nullopt;
  }
  char* end = nullptr;
  const unsigned long long interval = std::strtoull(usec, &end, 10);
  if (end == usec || *end != '\0' || interval == 0) {
    return std::nullopt;
  }
  return std::chrono::microseconds(interval / 2);
}

}  // namespace iotgw::gateway
