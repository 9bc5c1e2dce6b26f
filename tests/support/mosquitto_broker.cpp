#include "tests/support/mosquitto_broker.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace iotgw::test {
namespace {

constexpr const char* mosquitto_binary = "/usr/sbin/mosquitto";
constexpr const char* passwd_binary = "/usr/bin/mosquitto_passwd";

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

bool accepts_connections(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return false;
  }
  const sockaddr_in address = loopback(port);
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

// Runs argv to completion with its output in `log`; throws unless it exits 0.
void run_tool(std::vector<std::string> argv, const std::filesystem::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> args;
  for (std::string& arg : argv) {
    args.push_back(arg.data());
  }
  args.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  if (spawned != 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    throw std::runtime_error(argv[0] + " failed; see " + log.string());
  }
}

}  // namespace

std::uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address = loopback(0);
  socklen_t size = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    throw std::runtime_error("no free loopback port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

MosquittoBroker::MosquittoBroker(Options options) : port_(free_loopback_port()) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "iotgw-mosquitto-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  dir_ = pattern;
  write_config(options);
}

MosquittoBroker::~MosquittoBroker() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void MosquittoBroker::write_config(const Options& options) {
  std::ofstream config(dir_ / "mosquitto.conf");
  config << "listener " << port_ << " 127.0.0.1\n"
         << "log_dest file " << (dir_ / "mosquitto.log").string() << "\n"
         << (options.log_packets
                 ? "log_type all\n"
                 : "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n")
         // Started as root (in containers), mosquitto would otherwise switch
         // to a user that cannot write the temporary directory.
         << "user " << (::geteuid() == 0 ? "root" : "mosquitto") << "\n"
         << "max_queued_messages 100000\n";
  if (options.persistence) {
    config << "persistence true\n"
           << "persistence_location " << dir_.string() << "/\n";
  }
  if (options.username.empty()) {
    config << "allow_anonymous true\n";
    return;
  }
  const std::filesystem::path passwords = dir_ / "passwords";
  run_tool({passwd_binary, "-b", "-c", passwords.string(), options.username, options.password},
           dir_ / "mosquitto_passwd.log");
  config << "allow_anonymous false\n"
         << "password_file " << passwords.string() << "\n";
}

void MosquittoBroker::start(std::chrono::milliseconds timeout) {
  if (pid_ > 0) {
    return;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string output = (dir_ / "mosquitto.out").string();
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::string binary = mosquitto_binary;
  std::string flag = "-c";
  std::string config = (dir_ / "mosquitto.conf").string();
  char* args[] = {binary.data(), flag.data(), config.data(), nullptr};
  const int spawned = ::posix_spawn(&pid_, binary.c_str(), &actions, nullptr, args, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + binary);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!accepts_connections(port_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("mosquitto exited at start; see " + output);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      stop();
      throw std::runtime_error("mosquitto did not accept connections; see " + output);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void MosquittoBroker::stop() {
  if (pid_ <= 0) {
    return;
  }
  resume();
  // A SIGTERM that lands while mosquitto is still starting up can be lost
  // (it clears its run flag after installing the handler), so ask again
  // until it exits, and kill it if it never does.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int status = 0;
  for (int round = 0; ::waitpid(pid_, &status, WNOHANG) == 0; ++round) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    if (round % 40 == 0) {
      ::kill(pid_, SIGTERM);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
}

void MosquittoBroker::pause() {
  if (pid_ > 0 && !paused_) {
    ::kill(pid_, SIGSTOP);
    paused_ = true;
  }
}

void MosquittoBroker::resume() {
  if (pid_ > 0 && paused_) {
    ::kill(pid_, SIGCONT);
    paused_ = false;
  }
}

}  // namespace iotgw::test
