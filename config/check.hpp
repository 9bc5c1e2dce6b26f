// The outcome of one validation check: nothing when it passes, otherwise what
// is wrong, in words that a diagnostic quotes after the key's name.
#pragma once

#include <string>

#include <boost/system/result.hpp>

namespace iotgw::config {

using Check = boost::system::result<void, std::string>;

}  // namespace iotgw::config
