#include "gateway/kernel_clock.hpp"

#include <fstream>
#include <sys/timex.h>

namespace iotgw::gateway {

bool wall_clock_synchronised() {
  timex query{};  // modes 0: read only
  const int state = ::adjtimex(&query);
  return state != -1 && state != TIME_ERROR && (query.status & STA_UNSYNC) == 0;
}

std::string boot_id() {
  std::ifstream file("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(file, id);
  return id;
}

}  // namespace iotgw::gateway
