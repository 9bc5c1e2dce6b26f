// Starting a program for a test or a benchmark with its output kept in a file.
#pragma once

#include <filesystem>
#include <string>
#include <sys/types.h>
#include <vector>

namespace iotgw::test {

// Starts argv[0] (a path) with `argv`, its standard output and error appended
// to `log`; its process id, or -1 when it could not be started.
pid_t spawn_logged(std::vector<std::string> argv, const std::filesystem::path& log);

}  // namespace iotgw::test
