// The byte stream under a Modbus bus: a serial port (RTU) or a TCP connection
// (Modbus TCP, or RTU through a transparent serial server). A reconnect opens
// the same object again; framing is the master core's business, not this one's.
#pragma once

#include <cstddef>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>

#include "config/config.hpp"
#include "drivers/modbus/error.hpp"

namespace iotgw::drivers::modbus::io {

class Transport {
 public:
  virtual ~Transport() = default;

  // Opens the port or connects; a failure is transport_unavailable with the
  // reason in its detail.
  virtual boost::asio::awaitable<Result<>> open() = 0;
  virtual boost::asio::awaitable<std::size_t> read_some(boost::asio::mutable_buffer buffer,
                                                        boost::system::error_code& error) = 0;
  virtual boost::asio::awaitable<void> write(boost::asio::const_buffer bytes,
                                             boost::system::error_code& error) = 0;
  virtual void close() = 0;
  virtual bool is_open() const = 0;
};

// A serial port for modbus-rtu buses, TCP for modbus-tcp and modbus-rtu-over-tcp.
std::unique_ptr<Transport> make_transport(boost::asio::any_io_executor executor,
                                          const config::Bus& bus);

}  // namespace iotgw::drivers::modbus::io
