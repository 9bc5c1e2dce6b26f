// TlsStream against scripted loopback peers that are not TLS servers: what the
// client sends first, and how timeouts, closes and garbage surface. Full
// handshakes with real servers are in tests/integration/08-tls.py.
#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bridge/tls/io/stream.hpp"
#include "tests/support/run_until.hpp"
#include "tests/unit/bridge/tls/temp_files.hpp"
#include "tests/unit/bridge/tls/test_pki.hpp"

namespace iotgw::bridge::tls::io {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using asio::ip::tcp;
using boost::system::error_code;

class TlsStreamTest : public ::testing::Test {
 protected:
  TlsStreamTest() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    settings_.ca_file = files_.write("ca.pem", test::certificate_pem);
    settings_.server_name = "broker.example";
    settings_.alpn = {"x-amzn-mqtt-ca"};
  }

  std::shared_ptr<TlsContext> context() { return TlsContext::create(settings_).value(); }

  // A stream connected to the acceptor, and the server side of that connection.
  std::pair<TlsStream, tcp::socket> connected_pair() {
    TlsStream stream(context(), io_.get_executor());
    stream.next_layer().connect(acceptor_.local_endpoint());
    tcp::socket server = acceptor_.accept();
    return {std::move(stream), std::move(server)};
  }

  // Runs until `result` is set, at most 5 s.
  template <typename T>
  void run_until(const std::optional<T>& result) {
    iotgw::test::run_until(
        io_, [&] { return result.has_value(); }, 5s);
  }

  test::TempFiles files_;
  config::Tls settings_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
};

TEST_F(TlsStreamTest, ClientHelloNamesTheServerAndAlpn) {
  auto [stream, server] = connected_pair();
  std::optional<error_code> handshake;
  stream.async_handshake(5s, [&](error_code ec) { handshake = ec; });
  std::vector<unsigned char> hello(5);
  std::optional<error_code> read;
  asio::async_read(server, asio::buffer(hello), [&](error_code ec, std::size_t) { read = ec; });
  run_until(read);
  ASSERT_EQ(read, error_code());
  EXPECT_EQ(hello[0], 0x16);  // record type: handshake
  EXPECT_EQ(hello[1], 0x03);  // record version major
  std::vector<unsigned char> body((hello[3] << 8) | hello[4]);
  read.reset();
  asio::async_read(server, asio::buffer(body), [&](error_code ec, std::size_t) { read = ec; });
  run_until(read);
  ASSERT_EQ(read, error_code());
  EXPECT_EQ(body[0], 0x01);  // handshake type: ClientHello
  EXPECT_EQ(body[4], 0x03);  // client_version 3.3 = TLS 1.2
  EXPECT_EQ(body[5], 0x03);
  const std::string text(body.begin(), body.end());
  EXPECT_NE(text.find("broker.example"), std::string::npos) << "no SNI";
  EXPECT_NE(text.find("x-amzn-mqtt-ca"), std::string::npos) << "no ALPN";
  EXPECT_FALSE(handshake);
}

TEST_F(TlsStreamTest, SilentServerTimesOut) {
  auto [stream, server] = connected_pair();
  std::optional<error_code> handshake;
  const auto start = std::chrono::steady_clock::now();
  stream.async_handshake(200ms, [&](error_code ec) { handshake = ec; });
  run_until(handshake);
  ASSERT_TRUE(handshake);
  EXPECT_EQ(*handshake, Errc::handshake_timeout) << handshake->message();
  EXPECT_EQ(*handshake, boost::system::errc::timed_out);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 200ms);
  EXPECT_LT(elapsed, 3s);
}

TEST_F(TlsStreamTest, ServerClosingDuringHandshakeIsTruncation) {
  auto [stream, server] = connected_pair();
  std::optional<error_code> handshake;
  stream.async_handshake(5s, [&](error_code ec) { handshake = ec; });
  // Take the whole ClientHello first: closing with unread data would send a reset.
  std::array<unsigned char, 5> header{};
  std::optional<error_code> read;
  asio::async_read(server, asio::buffer(header), [&](error_code ec, std::size_t) { read = ec; });
  run_until(read);
  std::vector<unsigned char> body((header[3] << 8) | header[4]);
  asio::read(server, asio::buffer(body));
  server.close();
  run_until(handshake);
  ASSERT_TRUE(handshake);
  EXPECT_EQ(*handshake, Errc::stream_truncated) << handshake->message();
}

TEST_F(TlsStreamTest, NonTlsServerIsAnMbedtlsError) {
  auto [stream, server] = connected_pair();
  std::optional<error_code> handshake;
  stream.async_handshake(5s, [&](error_code ec) { handshake = ec; });
  const std::string reply = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
  asio::write(server, asio::buffer(reply));
  run_until(handshake);
  ASSERT_TRUE(handshake);
  EXPECT_STREQ(handshake->category().name(), "mbedtls") << handshake->message();
  EXPECT_THAT(handshake->message(), ::testing::HasSubstr("SSL - "));
}

TEST_F(TlsStreamTest, ReadAndWriteBeforeHandshakeFailWithoutInlineCompletion) {
  auto [stream, server] = connected_pair();
  std::optional<error_code> read, write;
  std::array<char, 16> data{};
  stream.async_read_some(asio::buffer(data), [&](error_code ec, std::size_t n) {
    EXPECT_EQ(n, 0u);
    read = ec;
  });
  asio::async_write(stream, asio::buffer(data), [&](error_code ec, std::size_t) { write = ec; });
  // Asio's rule: never from inside the initiating call.
  EXPECT_FALSE(read);
  EXPECT_FALSE(write);
  io_.poll();
  EXPECT_EQ(read, error_code(Errc::not_connected));
  EXPECT_EQ(write, error_code(Errc::not_connected));
}

TEST_F(TlsStreamTest, EmptyServerNameIsRefusedWhenVerifying) {
  settings_.server_name.clear();
  auto [stream, server] = connected_pair();
  std::optional<error_code> handshake;
  stream.async_handshake(5s, [&](error_code ec) { handshake = ec; });
  run_until(handshake);
  EXPECT_EQ(handshake, error_code(Errc::no_server_name));
}

TEST_F(TlsStreamTest, DestroyingTheStreamAbortsItsHandshake) {
  auto [stream, server] = connected_pair();
  std::optional<error_code> handshake;
  {
    TlsStream doomed = std::move(stream);
    doomed.async_handshake(5s, [&](error_code ec) { handshake = ec; });
    io_.poll();
  }
  run_until(handshake);
  EXPECT_EQ(handshake, error_code(asio::error::operation_aborted));
}

}  // namespace
}  // namespace iotgw::bridge::tls::io
