// The anchors: reference programs the benchmarks compare themselves with (the
// Eclipse Paho C publisher, a minimal pipelined publisher), kept beside the
// repository in ../shared/anchors, and variants of them in tests/bench/anchors.
// They are compiled with gcc at run time, as their headers say, and run
// against the benchmark's broker.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace iotgw::bench {

// Where the anchors are unless --anchors says otherwise: shared/anchors beside
// the repository.
std::filesystem::path default_anchors();

// Anchors that live in the repository (tests/bench/anchors): variants of the
// shared ones, such as Paho C in MQTT 5 mode.
std::filesystem::path repository_anchors();

// CPU seconds (user + system) used so far by this process (RUSAGE_SELF) or by
// its children that have been waited for (RUSAGE_CHILDREN).
double cpu_seconds(int who);

// Compiles an anchor and runs it; the "= N msg/s" figure it prints, after
// echoing its output and the CPU time it used. A missing anchor source or
// library skips that anchor, saying so, rather than the whole benchmark.
std::optional<double> run_anchor(const std::filesystem::path& source, const std::string& libraries,
                                 const std::filesystem::path& binary, const std::string& arguments);

}  // namespace iotgw::bench
