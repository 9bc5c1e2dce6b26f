// The loopback TCP ports that the tests' peers listen on.
#pragma once

#include <cstdint>

namespace iotgw::test {

// A loopback TCP port that nothing listens on at the moment of the call.
std::uint16_t free_loopback_port();

// A socket connected to 127.0.0.1:`port`, or -1 when nothing accepts there.
int connect_loopback(std::uint16_t port);

// Whether something accepts TCP connections on 127.0.0.1:`port`.
bool accepts_connections(std::uint16_t port);

}  // namespace iotgw::test
