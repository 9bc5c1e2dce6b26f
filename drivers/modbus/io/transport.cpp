#include "drivers/modbus/io/transport.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "drivers/serial/serial_open.hpp"

namespace iotgw::drivers::modbus::io {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

Error unavailable(std::string why) {
  return make_error(Errc::transport_unavailable, std::move(why));
}

class SerialTransport final : public Transport {
 public:
  SerialTransport(asio::any_io_executor executor, const config::Bus& bus)
      : bus_(bus), port_(executor) {}

  asio::awaitable<Result<>> open() override {
    const serial::Result<serial::OpenedPort> opened = serial::open_serial(bus_);
    if (!opened) {
      co_return unavailable(opened.error().detail);
    }
    port_.assign(opened->fd);
    co_return Result<>{};
  }

  asio::awaitable<std::size_t> read_some(asio::mutable_buffer buffer,
                                         boost::system::error_code& error) override {
    co_return co_await port_.async_read_some(buffer,
                                             asio::redirect_error(asio::use_awaitable, error));
  }

  asio::awaitable<void> write(asio::const_buffer bytes, boost::system::error_code& error) override {
    co_await asio::async_write(port_, bytes, asio::redirect_error(asio::use_awaitable, error));
  }

  void close() override {
    boost::system::error_code ignored;
    port_.close(ignored);
  }

  bool is_open() const override { return port_.is_open(); }

 private:
  const config::Bus& bus_;
  asio::posix::stream_descriptor port_;
};

// How long a connect may take before the server counts as unreachable.
constexpr std::chrono::seconds connect_timeout{5};

class TcpTransport final : public Transport {
 public:
  TcpTransport(asio::any_io_executor executor, const config::Bus& bus)
      : bus_(bus), socket_(executor) {}

  asio::awaitable<Result<>> open() override {
    const std::string where = bus_.host + ":" + std::to_string(bus_.tcp_port);
    tcp::resolver resolver(socket_.get_executor());
    boost::system::error_code error;
    const auto endpoints = co_await resolver.async_resolve(
        bus_.host, std::to_string(bus_.tcp_port), asio::redirect_error(asio::use_awaitable, error));
    if (error) {
      co_return unavailable("cannot resolve " + where + ": " + error.message());
    }
    // A silent network would otherwise hold the connect for minutes.
    asio::steady_timer deadline(socket_.get_executor(), connect_timeout);
    deadline.async_wait([this](boost::system::error_code expired) {
      if (!expired) {
        boost::system::error_code ignored;
        socket_.cancel(ignored);
      }
    });
    co_await asio::async_connect(socket_, endpoints,
                                 asio::redirect_error(asio::use_awaitable, error));
    deadline.cancel();
    if (error) {
      close();
      co_return unavailable(
          "cannot connect to " + where + ": " +
          (error == asio::error::operation_aborted ? std::string("timed out") : error.message()));
    }
    socket_.set_option(tcp::no_delay(true), error);
    co_return Result<>{};
  }

  asio::awaitable<std::size_t> read_some(asio::mutable_buffer buffer,
                                         boost::system::error_code& error) override {
    co_return co_await socket_.async_read_some(buffer,
                                               asio::redirect_error(asio::use_awaitable, error));
  }

  asio::awaitable<void> write(asio::const_buffer bytes, boost::system::error_code& error) override {
    co_await asio::async_write(socket_, bytes, asio::redirect_error(asio::use_awaitable, error));
  }

  void close() override {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  bool is_open() const override { return socket_.is_open(); }

 private:
  const config::Bus& bus_;
  tcp::socket socket_;
};

}  // namespace

std::unique_ptr<Transport> make_transport(asio::any_io_executor executor, const config::Bus& bus) {
  if (bus.is_serial()) {
    return std::make_unique<SerialTransport>(executor, bus);
  }
  return std::make_unique<TcpTransport>(executor, bus);
}

}  // namespace iotgw::drivers::modbus::io
