#include "bridge/mqtt/io/tls_transport.hpp"

#include <utility>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "bridge/mqtt/io/tcp_connect.hpp"
#include "bridge/tls/io/stream.hpp"

namespace iotgw::bridge::mqtt::io {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

class TlsTransport final : public Transport {
 public:
  TlsTransport(asio::any_io_executor executor, std::shared_ptr<tls::TlsContext> context,
               std::chrono::steady_clock::duration handshake_timeout)
      : resolver_(executor),
        stream_(std::move(context), executor),
        handshake_timeout_(handshake_timeout) {}

  asio::awaitable<error_code> connect(std::string host, std::uint16_t port) override {
    if (error_code error = co_await connect_tcp(resolver_, stream_.next_layer(), host, port)) {
      co_return error;
    }
    error_code error;
    co_await stream_.async_handshake(handshake_timeout_,
                                     asio::redirect_error(asio::use_awaitable, error));
    co_return error;
  }

  asio::awaitable<std::size_t> read_some(asio::mutable_buffer buffer, error_code& error) override {
    co_return co_await stream_.async_read_some(buffer,
                                               asio::redirect_error(asio::use_awaitable, error));
  }

  asio::awaitable<void> write(asio::const_buffer bytes, error_code& error) override {
    co_await asio::async_write(stream_, bytes, asio::redirect_error(asio::use_awaitable, error));
  }

  // close_notify first, so the broker can tell our DISCONNECT from a truncation.
  asio::awaitable<void> shutdown() override {
    error_code ignored;
    co_await stream_.async_shutdown(asio::redirect_error(asio::use_awaitable, ignored));
  }

  void close() override {
    resolver_.cancel();
    stream_.close();
  }

  const char* name() const override { return "tls"; }

 private:
  tcp::resolver resolver_;
  tls::io::TlsStream stream_;
  std::chrono::steady_clock::duration handshake_timeout_;
};

}  // namespace

std::shared_ptr<Transport> make_tls_transport(
    asio::any_io_executor executor, std::shared_ptr<tls::TlsContext> context,
    std::chrono::steady_clock::duration handshake_timeout) {
  return std::make_shared<TlsTransport>(std::move(executor), std::move(context), handshake_timeout);
}

}  // namespace iotgw::bridge::mqtt::io
