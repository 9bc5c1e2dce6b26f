// Error codes the asynchronous store reports to completion handlers (as
// boost::system::error_code, like every Asio completion).
#pragma once

#include <boost/system/error_code.hpp>

namespace iotgw::bridge::store {

enum class Errc {
  dropped = 1,     // not accepted: the store is full (drop_newest) or the disk is
  not_open,        // async_open has not succeeded
  stopped,         // the store was stopped
  database_error,  // SQLite failed; see the log
};

const boost::system::error_category& store_category();

inline boost::system::error_code make_error_code(Errc e) {
  return {static_cast<int>(e), store_category()};
}

}  // namespace iotgw::bridge::store

template <>
struct boost::system::is_error_code_enum<iotgw::bridge::store::Errc> : std::true_type {};
