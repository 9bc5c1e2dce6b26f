// The mqtts:// transport: TCP, then a TLS handshake through the mbedTLS
// stream (bridge/mqtt/tls), then the MQTT bytes encrypted.
#pragma once

#include <chrono>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "bridge/mqtt/io/transport.hpp"
#include "bridge/tls/context.hpp"

namespace iotgw::bridge::mqtt::io {

// A transport for one connection over `context`, whose handshake fails with
// a timeout when it takes longer than `handshake_timeout`.
std::shared_ptr<Transport> make_tls_transport(
    boost::asio::any_io_executor executor, std::shared_ptr<tls::TlsContext> context,
    std::chrono::steady_clock::duration handshake_timeout);

}  // namespace iotgw::bridge::mqtt::io
