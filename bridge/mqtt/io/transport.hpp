// The byte stream under an MQTT connection. The client makes a fresh one for
// every connection attempt (a broken stream is never reused: docs/ARCHITECTURE.md,
// "Protocols"), so a transport is used for one connection and then dropped.
// Plain TCP serves mqtt:// URLs and the mbedTLS stream serves mqtts:// ones.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>

#include "bridge/mqtt/error.hpp"
#include "config/config.hpp"

namespace iotgw::bridge::tls {
class TlsContext;
}

namespace iotgw::bridge::mqtt::io {

class Transport {
 public:
  virtual ~Transport() = default;

  // Resolves host, connects and completes any handshake; an error otherwise.
  virtual boost::asio::awaitable<boost::system::error_code> connect(std::string host,
                                                                    std::uint16_t port) = 0;
  virtual boost::asio::awaitable<std::size_t> read_some(boost::asio::mutable_buffer buffer,
                                                        boost::system::error_code& error) = 0;
  // Writes all of `bytes` or fails.
  virtual boost::asio::awaitable<void> write(boost::asio::const_buffer bytes,
                                             boost::system::error_code& error) = 0;
  // Ends the stream politely after the last write (TCP FIN, TLS close_notify).
  virtual boost::asio::awaitable<void> shutdown() = 0;
  // Ends the stream at once; pending operations complete with an error.
  virtual void close() = 0;
  // "tcp" or "tls", for logs.
  virtual const char* name() const = 0;
};

// Makes the transport for each connection attempt. For an mqtts:// broker it
// keeps one TLS context per broker of the list (each checks the certificate
// against its broker's host unless tls.server_name names another), so that a
// reconnect can resume the previous TLS session; a context that cannot be
// built (an unreadable certificate, a key that does not parse) is tried again
// at the next attempt, so a file the operator fixes is picked up without a
// restart.
class TransportFactory {
 public:
  // `handshake_timeout` bounds the TLS handshake after the TCP connect.
  TransportFactory(boost::asio::any_io_executor executor, const config::Mqtt& mqtt,
                   std::chrono::steady_clock::duration handshake_timeout);
  ~TransportFactory();
  TransportFactory(const TransportFactory&) = delete;
  TransportFactory& operator=(const TransportFactory&) = delete;

  // The transport for one connection attempt to config.brokers[broker], or
  // why there is none (errc::transport_failed).
  Result<std::shared_ptr<Transport>> make(std::size_t broker);

 private:
  boost::asio::any_io_executor executor_;
  const config::Mqtt& config_;
  std::chrono::steady_clock::duration handshake_timeout_;
  std::vector<std::shared_ptr<tls::TlsContext>> tls_;  // by broker; null until needed
};

}  // namespace iotgw::bridge::mqtt::io
