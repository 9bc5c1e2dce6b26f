// What a running process uses, read from /proc: CPU time, resident memory,
// context switches, per thread where that tells more.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace iotgw::bench {

struct ThreadUsage {
  pid_t tid = 0;
  std::string name;  // /proc/.../comm
  double cpu_seconds = 0;
};

struct ProcessUsage {
  double cpu_seconds = 0;     // user + system of every thread (/proc/PID/stat)
  std::uint64_t rss_kib = 0;  // VmRSS
  std::uint64_t hwm_kib = 0;  // VmHWM: the peak resident size so far
  // RssAnon: the resident part that is the process's own (heap, stacks),
  // where VmRSS also counts the pages of the binary and its libraries,
  // shared with every other process that maps them.
  std::uint64_t anon_kib = 0;
  // Pss (smaps_rollup): each shared page divided among the processes that map it.
  std::uint64_t pss_kib = 0;
  // Voluntary and involuntary switches of every thread: each is a wake-up or
  // a preemption, so an idle process should show few.
  std::uint64_t context_switches = 0;
  std::vector<ThreadUsage> threads;
};

// Throws if the process is gone.
ProcessUsage read_usage(pid_t pid);

// CPU seconds a thread used between two readings (0 if it has ended since).
double thread_cpu_between(const ProcessUsage& before, const ProcessUsage& after, pid_t tid);

// The process whose command line holds `argument` (e.g. a configuration file
// in a temporary folder, which names exactly one process), if there is one.
std::optional<pid_t> process_with_argument(const std::string& argument);

// The three load averages, as /proc/loadavg gives them ("1.91 1.53 1.04").
std::string load_average();

}  // namespace iotgw::bench
