#include "bridge/mqtt/io/transport.hpp"

#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "bridge/mqtt/io/tcp_connect.hpp"
#include "bridge/mqtt/io/tls_transport.hpp"

namespace iotgw::bridge::mqtt::io {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

class TcpTransport final : public Transport {
 public:
  explicit TcpTransport(asio::any_io_executor executor) : resolver_(executor), socket_(executor) {}

  asio::awaitable<error_code> connect(std::string host, std::uint16_t port) override {
    co_return co_await connect_tcp(resolver_, socket_, host, port);
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

TransportFactory::TransportFactory(asio::any_io_executor executor, const config::Mqtt& mqtt,
                                   std::chrono::steady_clock::duration handshake_timeout)
    : executor_(std::move(executor)),
      config_(mqtt),
      handshake_timeout_(handshake_timeout),
      tls_(mqtt.brokers.size()) {}

TransportFactory::~TransportFactory() = default;

Result<std::shared_ptr<Transport>> TransportFactory::make(std::size_t broker) {
  const config::Broker& to = config_.brokers.at(broker);
  if (!to.use_tls) {
    return std::make_shared<TcpTransport>(executor_);
  }
  if (!tls_[broker]) {
    config::Tls settings = config_.tls;
    if (settings.server_name.empty()) {
      settings.server_name = to.host;
    }
    auto created = tls::TlsContext::create(settings);
    if (!created) {
      return Error{Errc::transport_failed, "TLS set-up failed: " + created.error().detail};
    }
    tls_[broker] = std::move(*created);
  }
  return make_tls_transport(executor_, tls_[broker], handshake_timeout_);
}

}  // namespace iotgw::bridge::mqtt::io
