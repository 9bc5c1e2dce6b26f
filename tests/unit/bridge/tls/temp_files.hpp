// A private temporary directory for one test, removed with everything in it.
#pragma once

#include "tests/support/temp_dir.hpp"

namespace iotgw::bridge::tls::test {

using TempFiles = iotgw::test::TempDir;

}  // namespace iotgw::bridge::tls::test
