#include "tests/bench/gateway/process_usage.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace iotgw::bench {
namespace {

// utime + stime from a /proc stat file (fields 14 and 15, counted from 1;
// the command name in field 2 may hold spaces, so count after its ')').
double stat_cpu_seconds(const std::filesystem::path& stat) {
  std::ifstream in(stat);
  std::string line;
  if (!std::getline(in, line)) {
    throw std::runtime_error("cannot read " + stat.string());
  }
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  std::string skipped;
  for (int field = 3; field < 14; ++field) {
    fields >> skipped;
  }
  double utime = 0;
  double stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// The number after "key:" in a /proc status or smaps_rollup file, 0 when it
// is absent.
std::uint64_t status_field(const std::filesystem::path& status, const std::string& key) {
  std::ifstream in(status);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, key.size(), key) == 0 && line.size() > key.size() &&
        line[key.size()] == ':') {
      return std::stoull(line.substr(key.size() + 1));
    }
  }
  return 0;
}

}  // namespace

ProcessUsage read_usage(pid_t pid) {
  const std::filesystem::path proc = "/proc/" + std::to_string(pid);
  ProcessUsage usage;
  usage.cpu_seconds = stat_cpu_seconds(proc / "stat");
  usage.rss_kib = status_field(proc / "status", "VmRSS");
  usage.hwm_kib = status_field(proc / "status", "VmHWM");
  usage.anon_kib = status_field(proc / "status", "RssAnon");
  usage.pss_kib = status_field(proc / "smaps_rollup", "Pss");
  for (const auto& task : std::filesystem::directory_iterator(proc / "task")) {
    // A thread may end between listing and reading; it then simply drops out.
    try {
      ThreadUsage thread;
      thread.tid = static_cast<pid_t>(std::stol(task.path().filename().string()));
      std::ifstream(task.path() / "comm") >> thread.name;
      thread.cpu_seconds = stat_cpu_seconds(task.path() / "stat");
      usage.threads.push_back(thread);
      usage.context_switches += status_field(task.path() / "status", "voluntary_ctxt_switches") +
                                status_field(task.path() / "status", "nonvoluntary_ctxt_switches");
    } catch (const std::exception&) {
    }
  }
  return usage;
}

double thread_cpu_between(const ProcessUsage& before, const ProcessUsage& after, pid_t tid) {
  double start = 0;  // a thread started since `before` used all of its time in between
  double end = 0;
  for (const ThreadUsage& thread : before.threads) {
    start = thread.tid == tid ? thread.cpu_seconds : start;
  }
  for (const ThreadUsage& thread : after.threads) {
    end = thread.tid == tid ? thread.cpu_seconds : end;
  }
  return end > start ? end - start : 0;
}

std::optional<pid_t> process_with_argument(const std::string& argument) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    // Arguments are separated by NUL bytes.
    std::ifstream in(entry.path() / "cmdline");
    for (std::string arg; std::getline(in, arg, '\0');) {
      if (arg == argument) {
        return static_cast<pid_t>(std::stol(name));
      }
    }
  }
  return std::nullopt;
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  std::string five;
  std::string fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

}  // namespace iotgw::bench
