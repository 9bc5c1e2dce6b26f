// What the kernel says about the clocks: whether it calls the wall clock
// synchronised (adjtimex's STA_UNSYNC clear: what timedatectl shows as
// "System clock synchronized"), and which boot this is.
#pragma once

#include <string>

namespace iotgw::gateway {

// False also when the kernel cannot be asked.
bool wall_clock_synchronised();

// /proc/sys/kernel/random/boot_id, a new one at every boot; empty when
// unreadable (then held readings cannot be told from an earlier boot's, and
// the store releases them at its next open, marked).
std::string boot_id();

}  // namespace iotgw::gateway
