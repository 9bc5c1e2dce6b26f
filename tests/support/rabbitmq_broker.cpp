#include "tests/support/rabbitmq_broker.hpp"

#include <array>
#include <fcntl.h>
#include <fstream>
#include <signal.h>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "tests/support/loopback.hpp"

extern char** environ;

namespace iotgw::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* server_script = "/usr/lib/rabbitmq/bin/rabbitmq-server";
constexpr const char* epmd_binary = "/usr/bin/epmd";

// 3.1: the readiness probe's CONNECT.
constexpr std::array<std::uint8_t, 19> probe_connect = {
    0x10,                                      // CONNECT, flags 0000
    0x11,                                      // remaining length 17
    0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,        // protocol name "MQTT"
    0x04,                                      // protocol level 4
    0x02,                                      // connect flags: clean session
    0x00, 0x0A,                                // keep alive 10 s
    0x00, 0x05, 0x72, 0x65, 0x61, 0x64, 0x79,  // client id "ready"
};
// 3.2: CONNACK, remaining length 2, no session present, return code 0 (accepted).
constexpr std::array<std::uint8_t, 4> accepted_connack = {0x20, 0x02, 0x00, 0x00};
// 3.14: DISCONNECT, remaining length 0.
constexpr std::array<std::uint8_t, 2> disconnect = {0xE0, 0x00};

// The environment without the caller's RabbitMQ and Erlang settings, plus `extra`.
std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
  std::vector<std::string> result;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view variable = *entry;
    if (!variable.starts_with("RABBITMQ_") && !variable.starts_with("ERL_") &&
        !variable.starts_with("HOME=")) {
      result.emplace_back(variable);
    }
  }
  result.insert(result.end(), extra.begin(), extra.end());
  return result;
}

// Starts argv with stdin from /dev/null and its output appended to `output`,
// in a process group of its own (so a hung broker can be killed whole) and
// sent SIGTERM if the thread that started it dies, so that a crashed or
// timed-out test leaves no broker behind.
pid_t spawn(std::vector<std::string> argv, std::vector<std::string> environment,
            const std::filesystem::path& output) {
  std::vector<char*> args;
  for (std::string& arg : argv) {
    args.push_back(arg.data());
  }
  args.push_back(nullptr);
  std::vector<char*> env;
  for (std::string& variable : environment) {
    env.push_back(variable.data());
  }
  env.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    throw std::runtime_error("cannot start " + argv[0]);
  }
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) {
      ::_exit(127);  // the parent died before the line above
    }
    ::setpgid(0, 0);
    const int in = ::open("/dev/null", O_RDONLY);
    const int out = ::open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (in < 0 || out < 0 || ::dup2(in, STDIN_FILENO) < 0 || ::dup2(out, STDOUT_FILENO) < 0 ||
        ::dup2(out, STDERR_FILENO) < 0) {
      ::_exit(127);
    }
    ::execve(args[0], args.data(), env.data());
    ::_exit(127);
  }
  return pid;
}

bool exited(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) == pid;
}

// True once `pid` has exited, false if it still runs after `timeout`.
bool wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!exited(pid)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// SIGTERM, then SIGKILL to its whole process group if it outstays `grace`.
void terminate(pid_t& pid, std::chrono::milliseconds grace) {
  if (pid <= 0) {
    return;
  }
  ::kill(pid, SIGTERM);
  if (!wait_for_exit(pid, grace)) {
    ::kill(-pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  pid = -1;
}

std::string contents(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

RabbitmqBroker::RabbitmqBroker(Options options)
    : dir_("iotgw-rabbitmq"),
      port_(free_loopback_port()),
      dist_port_(free_loopback_port()),
      epmd_port_(free_loopback_port()) {
  node_ = "iotgw-test-" + std::to_string(port_) + "@localhost";
  write_config(options);
}

RabbitmqBroker::~RabbitmqBroker() {
  stop();
}

void RabbitmqBroker::write_config(const Options& options) {
  std::ofstream config(dir_.path() / "rabbitmq.conf");
  config << "listeners.tcp = none\n"  // no AMQP
         << "mqtt.listeners.tcp.default = 127.0.0.1:" << port_ << "\n"
         << "default_user = " << options.username << "\n"
         << "default_pass = " << options.password << "\n"
         << "mqtt.allow_anonymous = true\n"
         << "mqtt.default_user = " << options.username << "\n"
         << "mqtt.default_pass = " << options.password << "\n";
  std::ofstream(dir_.path() / "enabled_plugins") << "[rabbitmq_mqtt].\n";
}

void RabbitmqBroker::start(std::chrono::milliseconds timeout) {
  if (server_pid_ > 0) {
    return;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Our own epmd on a private port: the node would otherwise start a daemon
  // that outlives the test.
  epmd_pid_ = spawn({epmd_binary, "-port", std::to_string(epmd_port_), "-address", "127.0.0.1"},
                    environment_with({}), dir_.path() / "epmd.out");
  while (!accepts_connections(epmd_port_)) {
    if (exited(epmd_pid_) || std::chrono::steady_clock::now() >= deadline) {
      epmd_pid_ = -1;
      stop();
      throw std::runtime_error("epmd did not start: " + contents(dir_.path() / "epmd.out"));
    }
    std::this_thread::sleep_for(10ms);
  }

  const std::string dir = dir_.path().string();
  server_pid_ = spawn({server_script},
                      environment_with({
                          "HOME=" + dir,  // the Erlang cookie goes there
                          "RABBITMQ_CONF_ENV_FILE=" + dir + "/rabbitmq-env.conf",  // none
                          "RABBITMQ_CONFIG_FILE=" + dir + "/rabbitmq.conf",
                          "RABBITMQ_ENABLED_PLUGINS_FILE=" + dir + "/enabled_plugins",
                          "RABBITMQ_MNESIA_BASE=" + dir + "/mnesia",
                          "RABBITMQ_LOG_BASE=" + dir + "/log",
                          "RABBITMQ_NODENAME=" + node_,
                          "RABBITMQ_DIST_PORT=" + std::to_string(dist_port_),
                          "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface "
                          "{127,0,0,1}",
                          "ERL_EPMD_PORT=" + std::to_string(epmd_port_),
                      }),
                      dir_.path() / "rabbitmq.out");
  while (!answers_connect()) {
    if (exited(server_pid_)) {
      server_pid_ = -1;
      const std::string output = log();
      stop();
      throw std::runtime_error("rabbitmq-server exited at start:\n" + output);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      const std::string output = log();
      stop();
      throw std::runtime_error("rabbitmq-server did not answer CONNECT:\n" + output);
    }
    std::this_thread::sleep_for(50ms);
  }
}

// A CONNECT answered by an accepting CONNACK within a second.
bool RabbitmqBroker::answers_connect() const {
  const int fd = connect_loopback(port_);
  if (fd < 0) {
    return false;
  }
  const timeval one_second{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &one_second, sizeof one_second);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &one_second, sizeof one_second);
  std::array<std::uint8_t, accepted_connack.size()> answer{};
  std::size_t got = 0;
  if (::send(fd, probe_connect.data(), probe_connect.size(), MSG_NOSIGNAL) ==
      static_cast<ssize_t>(probe_connect.size())) {
    while (got < answer.size()) {
      const ssize_t size = ::recv(fd, answer.data() + got, answer.size() - got, 0);
      if (size <= 0) {
        break;
      }
      got += static_cast<std::size_t>(size);
    }
  }
  const bool accepted = got == answer.size() && answer == accepted_connack;
  if (accepted) {
    ::send(fd, disconnect.data(), disconnect.size(), MSG_NOSIGNAL);
  }
  ::close(fd);
  return accepted;
}

void RabbitmqBroker::stop() {
  // The script answers SIGTERM by stopping the node and waiting for it.
  terminate(server_pid_, 30s);
  terminate(epmd_pid_, 5s);
}

std::string RabbitmqBroker::log() const {
  return "--- rabbitmq-server output\n" + contents(dir_.path() / "rabbitmq.out") + "--- " + node_ +
         ".log\n" + contents(dir_.path() / "log" / (node_ + ".log"));
}

}  // namespace iotgw::test
