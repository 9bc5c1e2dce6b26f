// A small MQTT-over-TLS client for 08-tls.py: connects with TlsStream as the
// gateway will, sends the bytes it is given (an MQTT CONNECT written by hand in
// the test), reads the expected number of reply bytes and prints one line per
// connection for the test to check. Uses coroutines and boost::asio::async_read/
// async_write over the stream to show that it composes like a socket, with the
// read already pending while the request is written, as an MQTT client does.
#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "bridge/tls/context.hpp"
#include "bridge/tls/io/stream.hpp"

namespace asio = boost::asio;
using iotgw::bridge::tls::TlsContext;
using iotgw::bridge::tls::io::TlsStream;

namespace {

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  int connects = 1;
  std::vector<unsigned char> send;
  std::vector<unsigned char> expect;
  int timeout_ms = 5000;
  bool expect_close = false;
};

// Bytes from a hex string; spaces are allowed between bytes.
std::vector<unsigned char> from_hex(const std::string& text) {
  std::vector<unsigned char> bytes;
  std::string digits;
  for (char c : text) {
    if (c != ' ') {
      digits += c;
    }
  }
  for (std::size_t i = 0; i + 1 < digits.size(); i += 2) {
    bytes.push_back(static_cast<unsigned char>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}

std::vector<unsigned char> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string to_hex(const std::vector<unsigned char>& bytes) {
  std::string out;
  char pair[3];
  for (auto b : bytes) {
    std::snprintf(pair, sizeof pair, "%02x", b);
    out += pair;
  }
  return out;
}

// "category:value: message", so the test can match on either.
std::string describe(const boost::system::error_code& ec) {
  return std::string(ec.category().name()) + ":" + std::to_string(ec.value()) + ": " + ec.message();
}

// One connection: TCP connect, handshake, send, read the reply, close_notify.
asio::awaitable<bool> connect_once(int index, const Options& options,
                                   const std::shared_ptr<TlsContext>& context) {
  auto executor = co_await asio::this_coro::executor;
  boost::system::error_code ec;
  TlsStream stream(context, executor);
  asio::ip::tcp::endpoint endpoint(asio::ip::make_address(options.host), options.port);
  co_await stream.next_layer().async_connect(endpoint,
                                             asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) {
    co_await stream.async_handshake(std::chrono::milliseconds(options.timeout_ms),
                                    asio::redirect_error(asio::use_awaitable, ec));
  }
  std::vector<unsigned char> reply(options.expect.size());
  if (!ec) {
    // Read and write at once: the reply is awaited while the request goes out.
    using namespace asio::experimental::awaitable_operators;
    try {
      co_await (asio::async_write(stream, asio::buffer(options.send), asio::use_awaitable) &&
                asio::async_read(stream, asio::buffer(reply), asio::use_awaitable));
    } catch (const boost::system::system_error& e) {
      ec = e.code();
    }
  }
  if (ec) {
    std::cout << "connect " << index << ": error: " << describe(ec) << std::endl;
    co_return false;
  }
  if (reply != options.expect) {
    std::cout << "connect " << index << ": error: reply differs: " << to_hex(reply) << std::endl;
    co_return false;
  }
  if (options.expect_close) {
    // The peer is expected to end the connection: report how that surfaced.
    std::array<unsigned char, 256> more{};
    std::size_t n = co_await stream.async_read_some(asio::buffer(more),
                                                    asio::redirect_error(asio::use_awaitable, ec));
    std::cout << "connect " << index << ": closed by peer: "
              << (ec ? describe(ec) : "no, " + std::to_string(n) + " more bytes") << std::endl;
    co_return ec.failed();
  }
  co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  std::cout << "connect " << index << ": ok resumed=" << stream.session_resumed()
            << " handshake_in=" << stream.handshake_bytes_received()
            << " handshake_out=" << stream.handshake_bytes_sent()
            << " suite=" << stream.cipher_suite() << " alpn=" << stream.alpn_protocol() << " reply="
            << (reply.size() <= 32 ? to_hex(reply) : std::to_string(reply.size()) + "B")
            << " shutdown=" << (ec ? describe(ec) : "ok") << std::endl;
  co_return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"TLS probe for the iotgw integration tests"};
  Options options;
  iotgw::config::Tls settings;
  std::string ca_file, ca_dir, cert_file, key_file, send_hex, expect_hex, send_file, expect_file;
  app.add_option("--host", options.host);
  app.add_option("--port", options.port)->required();
  app.add_option("--ca", ca_file);
  app.add_option("--ca-dir", ca_dir);
  app.add_option("--cert", cert_file);
  app.add_option("--key", key_file);
  app.add_option("--server-name", settings.server_name);
  app.add_option("--alpn", settings.alpn);
  app.add_flag("--insecure", settings.insecure_skip_verify);
  app.add_option("--connects", options.connects);
  app.add_option("--send", send_hex, "bytes to send, in hex");
  app.add_option("--expect", expect_hex, "bytes expected in reply, in hex");
  app.add_option("--send-file", send_file, "bytes to send after --send, from a file");
  app.add_option("--expect-file", expect_file, "bytes expected after --expect, from a file");
  app.add_option("--timeout-ms", options.timeout_ms);
  app.add_flag("--expect-close", options.expect_close,
               "after the reply, read until the peer closes and report how");
  CLI11_PARSE(app, argc, argv);
  settings.ca_file = ca_file;
  settings.ca_dir = ca_dir;
  settings.cert_file = cert_file;
  settings.key_file = key_file;
  options.send = from_hex(send_hex);
  options.expect = from_hex(expect_hex);
  if (!send_file.empty()) {
    auto bytes = read_file(send_file);
    options.send.insert(options.send.end(), bytes.begin(), bytes.end());
  }
  if (!expect_file.empty()) {
    auto bytes = read_file(expect_file);
    options.expect.insert(options.expect.end(), bytes.begin(), bytes.end());
  }
  spdlog::set_level(spdlog::level::debug);

  auto context = TlsContext::create(settings);
  if (!context) {
    std::cout << "context: error: " << context.error().detail << std::endl;
    return 2;
  }
  asio::io_context io;
  bool all_ok = true;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (int i = 1; i <= options.connects; ++i) {
          all_ok = co_await connect_once(i, options, *context) && all_ok;
        }
      },
      asio::detached);
  io.run();
  return all_ok ? 0 : 1;
}
