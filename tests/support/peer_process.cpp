#include "tests/support/peer_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/pty_pair.hpp"

extern char** environ;

namespace iotgw::test {

PeerProcess::~PeerProcess() {
  stop();
}

void PeerProcess::start(std::vector<std::string> argv, std::chrono::milliseconds timeout) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  std::vector<char*> args;
  for (std::string& arg : argv) {
    args.push_back(arg.data());
  }
  args.push_back(nullptr);
  const int spawned = ::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (spawned != 0) {
    ::close(pipe_fds[0]);
    pid_ = -1;
    throw std::runtime_error("cannot start " + argv[0]);
  }
  {
    std::lock_guard lock(mutex_);
    lines_.clear();
    ready_ = false;
    ended_ = false;
  }
  reader_ = std::thread([this, fd = pipe_fds[0]] { read_output(fd); });
  const bool ready = wait_for(
      [&] {
        std::lock_guard lock(mutex_);
        return ready_ || ended_;
      },
      timeout);
  std::lock_guard lock(mutex_);
  if (!ready || !ready_) {
    throw std::runtime_error(argv[0] + " did not become ready");
  }
}

void PeerProcess::read_output(int fd) {
  std::string pending;
  char buffer[1024];
  for (;;) {
    const ssize_t size = ::read(fd, buffer, sizeof buffer);
    if (size <= 0) {
      break;
    }
    pending.append(buffer, static_cast<std::size_t>(size));
    for (std::size_t end = pending.find('\n'); end != std::string::npos; end = pending.find('\n')) {
      std::string line = pending.substr(0, end);
      pending.erase(0, end + 1);
      std::lock_guard lock(mutex_);
      if (!ready_ && line == "ready") {
        ready_ = true;
      } else if (ready_) {
        lines_.push_back(std::move(line));
      }
    }
  }
  ::close(fd);
  std::lock_guard lock(mutex_);
  ended_ = true;
}

void PeerProcess::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  if (reader_.joinable()) {
    reader_.join();
  }
}

std::vector<std::string> PeerProcess::lines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

std::vector<std::string> modbus_simulator(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), {"/usr/bin/python3",
                                       std::string(IOTGW_SOURCE_DIR) + "/tests/sim/modbus_sim.py"});
  return arguments;
}

}  // namespace iotgw::test
