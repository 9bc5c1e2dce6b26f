// The notify protocol spoken without libsystemd: each message is one datagram
// on the socket $NOTIFY_SOCKET names (a path, or an abstract name after '@'),
// nothing happens without it, and the watchdog interval is half of
// $WATCHDOG_USEC for the process $WATCHDOG_PID names.
#include <chrono>
#include <cstdlib>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "gateway/systemd_notify.hpp"
#include "tests/support/temp_dir.hpp"

namespace iotgw::gateway {
namespace {

using namespace std::chrono_literals;

// A datagram socket bound to `name` (a path, or "@..." for the abstract
// namespace), as systemd makes one for a service, with NOTIFY_SOCKET set to it.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& name) : fd_(::socket(AF_UNIX, SOCK_DGRAM, 0)) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    name.copy(address.sun_path, sizeof address.sun_path - 1);
    if (name[0] == '@') {
      address.sun_path[0] = '\0';
    }
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<const sockaddr*>(&address), length), 0);
    const timeval wait{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
  }
  ~NotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd_);
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  // The next datagram, or "" after five seconds without one.
  std::string next() {
    char buffer[512];
    const ssize_t size = ::recv(fd_, buffer, sizeof buffer, 0);
    return size > 0 ? std::string(buffer, static_cast<std::size_t>(size)) : std::string();
  }

 private:
  int fd_;
};

TEST(SystemdNotify, EachMessageIsOneDatagramOnThePathNamed) {
  iotgw::test::TempDir dir;
  NotifySocket socket((dir.path() / "notify").string());
  notify_ready("polling 2 buses");
  EXPECT_EQ(socket.next(), "READY=1\nSTATUS=polling 2 buses");
  notify_status("uplink down");
  EXPECT_EQ(socket.next(), "STATUS=uplink down");
  notify_watchdog();
  EXPECT_EQ(socket.next(), "WATCHDOG=1");
  notify_reloading();
  EXPECT_EQ(socket.next().rfind("RELOADING=1\nMONOTONIC_USEC=", 0), 0U);
  notify_stopping();
  EXPECT_EQ(socket.next(), "STOPPING=1");
}

TEST(SystemdNotify, AnAtNamesTheAbstractNamespace) {
  NotifySocket socket("@iotgw-notify-test-" + std::to_string(::getpid()));
  notify_watchdog();
  EXPECT_EQ(socket.next(), "WATCHDOG=1");
}

TEST(SystemdNotify, WithoutTheVariableOrWithAnotherNameNothingHappens) {
  ::unsetenv("NOTIFY_SOCKET");
  notify_ready("nobody listens");
  ::setenv("NOTIFY_SOCKET", "relative/path", 1);
  notify_ready("not a socket name systemd gives");
  ::unsetenv("NOTIFY_SOCKET");
}

TEST(SystemdNotify, TheWatchdogIsPettedAtHalfItsIntervalForThisProcessOnly) {
  ::unsetenv("WATCHDOG_PID");
  ::unsetenv("WATCHDOG_USEC");
  EXPECT_EQ(watchdog_interval(), std::nullopt);
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  EXPECT_EQ(watchdog_interval(), std::chrono::microseconds(15s));
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  EXPECT_EQ(watchdog_interval(), std::chrono::microseconds(15s));
  ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
  EXPECT_EQ(watchdog_interval(), std::nullopt);
  ::unsetenv("WATCHDOG_PID");
  ::setenv("WATCHDOG_USEC", "soon", 1);
  EXPECT_EQ(watchdog_interval(), std::nullopt);
  ::setenv("WATCHDOG_USEC", "0", 1);
  EXPECT_EQ(watchdog_interval(), std::nullopt);
  ::unsetenv("WATCHDOG_USEC");
}

}  // namespace
}  // namespace iotgw::gateway
