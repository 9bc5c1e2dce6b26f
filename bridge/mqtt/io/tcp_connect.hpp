// Opening the TCP connection under either transport.
#pragma once

#include <cstdint>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

namespace iotgw::bridge::mqtt::io {

// Resolves `host` and tries every address it names, in order, until one
// accepts; then turns Nagle's algorithm off. The resolver and socket belong
// to the caller, so that closing the transport cancels a connect under way.
boost::asio::awaitable<boost::system::error_code> connect_tcp(
    boost::asio::ip::tcp::resolver& resolver, boost::asio::ip::tcp::socket& socket,
    const std::string& host, std::uint16_t port);

}  // namespace iotgw::bridge::mqtt::io
