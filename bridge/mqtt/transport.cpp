#include "bridge/mqtt/transport.hpp"

#include <string_view>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace iotgw::mqtt {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

class tcp_transport final : public transport {
 public:
  explicit tcp_transport(asio::any_io_executor executor) : resolver_(executor), socket_(executor) {}

  // Tries every address the name resolves to, in order, until one accepts.
  asio::awaitable<error_code> connect(std::string host, std::uint16_t port) override {
    error_code error;
    const auto endpoints = co_await resolver_.async_resolve(
        host, std::to_string(port), asio::redirect_error(asio::use_awaitable, error));
    if (error) {
      co_return error;
    }
    co_await asio::async_connect(socket_, endpoints,
                                 asio::redirect_error(asio::use_awaitable, error));
    if (error) {
      co_return error;
    }
    // The client coalesces what it has queued into one write, so Nagle's
    // delay would only hold back PINGREQs and acknowledgements.
    socket_.set_option(tcp::no_delay(true), error);
    co_return error_code{};
  }

  asio::awaitable<std::size_t> read_some(asio::mutable_buffer buffer, error_code& error) override {
    co_return co_await socket_.async_read_some(buffer,
                                               asio::redirect_error(asio::use_awaitable, error));
  }

  asio::awaitable<void> write(asio::const_buffer bytes, error_code& error) override {
    co_await asio::async_write(socket_, bytes, asio::redirect_error(asio::use_awaitable, error));
  }

  asio::awaitable<void> shutdown() override {
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    co_return;
  }

  void close() override {
    error_code ignored;
    resolver_.cancel();
    socket_.close(ignored);
  }

  const char* name() const override { return "tcp"; }

 private:
  tcp::resolver resolver_;
  tcp::socket socket_;
};

}  // namespace

transport_choice make_transport(asio::any_io_executor executor, const config::Mqtt& mqtt) {
  if (mqtt.use_tls) {
    return {nullptr, "TLS transport not built yet: " + mqtt.url + " needs the mbedTLS stream"};
  }
  return {std::make_shared<tcp_transport>(executor), {}};
}

}  // namespace iotgw::mqtt
