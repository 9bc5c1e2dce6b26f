#include <cstdio>

#include "config/load.hpp"
#include "config/units.hpp"
#include "gateway/commands.hpp"
#include "gateway/kernel_clock.hpp"
#include "gateway/summary.hpp"

namespace iotgw::gateway {

std::optional<config::Config> load_and_report(const std::filesystem::path& file) {
  config::LoadResult result = config::load_file(file);
  for (const config::Diagnostic& diagnostic : result.diagnostics) {
    std::fprintf(stderr, "%s\n", diagnostic.to_string().c_str());
  }
  if (!result.config) {
    std::size_t errors = 0;
    for (const config::Diagnostic& diagnostic : result.diagnostics) {
      errors += diagnostic.severity == config::Diagnostic::Severity::error ? 1 : 0;
    }
    std::fprintf(stderr, "%s: %zu error%s\n", file.c_str(), errors, errors == 1 ? "" : "s");
  }
  return std::move(result.config);
}

int check_command(const std::filesystem::path& file) {
  const std::optional<config::Config> config = load_and_report(file);
  if (!config) {
    return 1;
  }
  std::printf("%s: OK\n%s", file.c_str(), summarize(*config).c_str());
  const config::Duration hold = config->telemetry.clock_hold;
  const std::string held =
      hold > config::Duration::zero()
          ? "readings taken before it is are held up to " + config::format_duration(hold) +
                " for a true time"
          : "readings taken before it is go out at once, marked \"clock\":\"unsynced\"";
  std::printf("clock   %s now (the kernel says); %s\n",
              wall_clock_synchronised() ? "synchronised" : "NOT synchronised", held.c_str());
  return 0;
}

}  // namespace iotgw::gateway
