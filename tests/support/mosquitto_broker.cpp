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
constexpr const char* ctrl_binary = "/usr/bin/mosquitto_ctrl";
constexpr const char* dynamic_security_plugin =
    "/usr/lib/" IOTGW_MULTIARCH "/mosquitto_dynamic_security.so";
constexpr const char* dynamic_security_admin = "admin";
constexpr const char* dynamic_security_password = "admin-password";

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
  if (options.dynamic_security) {
    const std::filesystem::path state = dir_.path() / "dynamic-security.json";
    run_tool({ctrl_binary, "dynsec", "init", state.string(), dynamic_security_admin,
              dynamic_security_password},
             dir_.path() / "mosquitto_ctrl.log");
    std::ifstream in(state);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    // init denies publishing and subscribing by default; only the latter is wanted.
    const std::string denied = "\"publishClientSend\":\tfalse";
    const auto at = text.find(denied);
    if (at == std::string::npos) {
      throw std::runtime_error("unexpected layout of " + state.string());
    }
    text.replace(at, denied.size(), "\"publishClientSend\":\ttrue");
    std::ofstream(state) << text;
    config << "plugin " << dynamic_security_plugin << "\n"
           << "plugin_opt_config_file " << state.string() << "\n";
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

// A role that may subscribe to everything, given to anonymous clients through
// their group (mosquitto 2.0.11 leaves the default subscribe access denied
// after setDefaultACLAccess).
void MosquittoBroker::allow_subscriptions() {
  const std::vector<std::vector<std::string>> commands = {
      {"createRole", "subscriber"},
      {"addRoleACL", "subscriber", "subscribePattern", "#", "allow"},
      {"createGroup", "anonymous"},
      {"addGroupRole", "anonymous", "subscriber"},
      {"setAnonymousGroup", "anonymous"}};
  for (const auto& command : commands) {
    std::vector<std::string> argv = {ctrl_binary,
                                     "-h",
                                     "127.0.0.1",
                                     "-p",
                                     std::to_string(port_),
                                     "-u",
                                     dynamic_security_admin,
                                     "-P",
                                     dynamic_security_password,
                                     "dynsec"};
    argv.insert(argv.end(), command.begin(), command.end());
    run_tool(argv, dir_.path() / "mosquitto_ctrl.log");
  }
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
