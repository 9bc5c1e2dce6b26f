#include "bridge/mqtt/io/tcp_connect.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace iotgw::bridge::mqtt::io {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

asio::awaitable<error_code> connect_tcp(tcp::resolver& resolver, tcp::socket& socket,
                                        const std::string& host, std::uint16_t port) {
  error_code error;
  const auto endpoints = co_await resolver.async_resolve(
      host, std::to_string(port), asio::redirect_error(asio::use_awaitable, error));
  if (error) {
    co_return error;
  }
  co_await asio::async_connect(socket, endpoints, asio::redirect_error(asio::use_awaitable, error));
  if (error) {
    co_return error;
  }
  // The client coalesces what it has queued into one write, so Nagle's delay
  // would only hold back PINGREQs and acknowledgements.
  socket.set_option(tcp::no_delay(true), error);
  co_return error;
}

}  // namespace iotgw::bridge::mqtt::io
