#include "tests/bench/anchor.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <sys/resource.h>

namespace iotgw::bench {
namespace {

// Runs a shell command; its standard output, or nothing when it failed.
std::optional<std::string> run(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return std::nullopt;
  }
  std::array<char, 512> buffer;
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) {
    output += buffer.data();
  }
  if (::pclose(pipe) != 0) {
    std::printf("%s: failed\n%s", command.c_str(), output.c_str());
    return std::nullopt;
  }
  return output;
}

}  // namespace

std::filesystem::path default_anchors() {
  return (std::filesystem::path(IOTGW_SOURCE_DIR) / ".." / "shared" / "anchors").lexically_normal();
}

std::filesystem::path repository_anchors() {
  return std::filesystem::path(IOTGW_SOURCE_DIR) / "tests" / "bench" / "anchors";
}

double cpu_seconds(int who) {
  rusage usage{};
  ::getrusage(who, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

std::optional<double> run_anchor(const std::filesystem::path& source, const std::string& libraries,
                                 const std::filesystem::path& binary,
                                 const std::string& arguments) {
  if (!std::filesystem::exists(source)) {
    std::printf("%s not found: anchor skipped\n", source.c_str());
    return std::nullopt;
  }
  if (!run("gcc -O2 -w -o " + binary.string() + " " + source.string() + " " + libraries +
           " 2>&1")) {
    std::printf("%s does not compile: anchor skipped\n", source.c_str());
    return std::nullopt;
  }
  const double cpu_before = cpu_seconds(RUSAGE_CHILDREN);
  const std::optional<std::string> output = run(binary.string() + " " + arguments);
  if (!output) {
    return std::nullopt;
  }
  std::fputs(output->c_str(), stdout);
  std::printf("  client CPU %.2f s\n", cpu_seconds(RUSAGE_CHILDREN) - cpu_before);
  const std::size_t at = output->rfind("= ");
  return at == std::string::npos ? std::nullopt
                                 : std::optional<double>(std::atof(output->c_str() + at + 2));
}

}  // namespace iotgw::bench
