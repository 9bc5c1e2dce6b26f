// Any bytes as a configuration file: load() must report, never crash, and a
// loaded configuration must be complete.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/load.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const iotgw::config::LoadResult result = iotgw::config::load_string(text, "/fuzz/iotgw.toml");
  if (result.config && result.config->gateway.id.empty()) {
    std::abort();
  }
  if (!result.config && result.diagnostics.empty()) {
    std::abort();
  }
  return 0;
}
