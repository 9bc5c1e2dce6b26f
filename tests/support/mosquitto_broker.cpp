#include "tests/support/mosquitto_broker.hpp"

#include <fstream>
#include <signal.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "tests/support/loopback.hpp"
#include "tests/support/spawn.hpp"

namespace iotgw::test {
namespace {

constexpr const char* mosquitto_binary = "/usr/sbin/mosquitto";
constexpr const char* passwd_binary = "/usr/bin/mosquitto_passwd";

// Runs argv to completion with its output in `log`; throws unless it exits 0.
void run_tool(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  const pid_t pid = spawn_logged(argv, log);
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    throw std::runtime_error(argv[0] + " failed; see " + log.string());
  }
}

}  // namespace

MosquittoBroker::MosquittoBroker(Options options)
    : dir_("iotgw-mosquitto"), port_(free_loopback_port()) {
  write_config(options);
}

MosquittoBroker::~MosquittoBroker() {
  stop();
}

void MosquittoBroker::write_config(const Options& options) {
  std::ofstream config(dir_.path() / "mosquitto.conf");
  config << "listener " << port_ << " 127.0.0.1\n"
         << "log_dest file " << (dir_.path() / "mosquitto.log").string() << "\n"
         << (options.log_packets
                 ? "log_type all\n"
                 : "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n")
         // Started as root (in containers), mosquitto would otherwise switch
         // to a user that cannot write the temporary directory.
         << "user " << (::geteuid() == 0 ? "root" : "mosquitto") << "\n"
         << "max_queued_messages 100000\n";
  if (options.persistence) {
    config << "persistence true\n"
           << "persistence_location " << dir_.path().string() << "/\n";
  }
  if (options.username.empty()) {
    config << "allow_anonymous true\n";
    return;
  }
  const std::filesystem::path passwords = dir_.path() / "passwords";
  run_tool({passwd_binary, "-b", "-c", passwords.string(), options.username, options.password},
           dir_.path() / "mosquitto_passwd.log");
  config << "allow_anonymous false\n"
         << "password_file " << passwords.string() << "\n";
}

void MosquittoBroker::start(std::chrono::milliseconds timeout) {
  if (pid_ > 0) {
    return;
  }
  const std::string output = (dir_.path() / "mosquitto.out").string();
  pid_ = spawn_logged({mosquitto_binary, "-c", (dir_.path() / "mosquitto.conf").string()}, output);
  if (pid_ < 0) {
    throw std::runtime_error(std::string("cannot start ") + mosquitto_binary);
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
