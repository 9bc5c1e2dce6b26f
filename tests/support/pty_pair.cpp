#include "tests/support/pty_pair.hpp"

#include <signal.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <vector>

extern char** environ;

namespace iotgw::test {

PtyPair::PtyPair(std::filesystem::path dir) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
}

PtyPair::~PtyPair() {
  stop();
}

void PtyPair::start(std::chrono::milliseconds timeout) {
  // raw,echo=0 on both ends: bytes pass unchanged, as on a real line.
  const std::string gateway = "pty,raw,echo=0,link=" + gateway_side();
  const std::string device = "pty,raw,echo=0,link=" + device_side();
  std::vector<char*> argv = {const_cast<char*>("socat"), const_cast<char*>(gateway.c_str()),
                             const_cast<char*>(device.c_str()), nullptr};
  if (::posix_spawnp(&pid_, "socat", nullptr, nullptr, argv.data(), environ) != 0) {
    throw std::runtime_error("cannot start socat (apt-get install socat)");
  }
  const bool ready = wait_for(
      [&] {
        return std::filesystem::exists(gateway_side()) && std::filesystem::exists(device_side());
      },
      timeout);
  if (!ready) {
    throw std::runtime_error("socat did not create " + gateway_side());
  }
}

void PtyPair::stop() {
  if (pid_ <= 0) {
    return;
  }
  // socat sometimes stays in its select() loop after SIGTERM (seen once in
  // some hundred runs): it gets a moment to exit cleanly, then SIGKILL.
  ::kill(pid_, SIGTERM);
  int status = 0;
  const bool exited =
      wait_for([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, std::chrono::seconds(2));
  if (!exited) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  // socat removes its links on a clean exit; make sure of it for the next start.
  std::filesystem::remove(gateway_side());
  std::filesystem::remove(device_side());
}

}  // namespace iotgw::test
