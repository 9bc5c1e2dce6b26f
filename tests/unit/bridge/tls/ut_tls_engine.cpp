// Engine without sockets: handshakes, data and close_notify against an mbedTLS
// server that lives in memory too, and what the engine makes of a peer that is
// not a TLS server at all.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>

#include "bridge/tls/engine.hpp"
#include "tests/unit/bridge/tls/temp_files.hpp"
#include "tests/unit/bridge/tls/test_pki.hpp"

namespace iotgw::bridge::tls {
namespace {

using boost::system::error_code;
using Bytes = std::vector<unsigned char>;
using ::testing::HasSubstr;

constexpr const char* alpn = "x-amzn-mqtt-ca";

// The server side of every connection: test::server_certificate_pem, ALPN, and
// session tickets so that a second connection can resume the first one's session.
class ServerConfig {
 public:
  ServerConfig() {
    mbedtls_entropy_init(&entropy_);
    mbedtls_ctr_drbg_init(&drbg_);
    mbedtls_x509_crt_init(&cert_);
    mbedtls_pk_init(&key_);
    mbedtls_ssl_ticket_init(&tickets_);
    mbedtls_ssl_config_init(&conf_);
    expect_ok(mbedtls_ctr_drbg_seed(&drbg_, mbedtls_entropy_func, &entropy_, nullptr, 0));
    expect_ok(mbedtls_x509_crt_parse(&cert_, pem(test::server_certificate_pem),
                                     std::strlen(test::server_certificate_pem) + 1));
    expect_ok(mbedtls_pk_parse_key(&key_, pem(test::server_key_pem),
                                   std::strlen(test::server_key_pem) + 1, nullptr, 0));
    expect_ok(mbedtls_ssl_config_defaults(
        &conf_, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT));
    mbedtls_ssl_conf_rng(&conf_, mbedtls_ctr_drbg_random, &drbg_);
    expect_ok(mbedtls_ssl_conf_own_cert(&conf_, &cert_, &key_));
    expect_ok(mbedtls_ssl_conf_alpn_protocols(&conf_, alpn_list_));
    expect_ok(mbedtls_ssl_ticket_setup(&tickets_, mbedtls_ctr_drbg_random, &drbg_,
                                       MBEDTLS_CIPHER_AES_256_GCM, 3600));
    mbedtls_ssl_conf_session_tickets_cb(&conf_, mbedtls_ssl_ticket_write, mbedtls_ssl_ticket_parse,
                                        &tickets_);
  }
  ServerConfig(const ServerConfig&) = delete;
  ServerConfig& operator=(const ServerConfig&) = delete;
  ~ServerConfig() {
    mbedtls_ssl_config_free(&conf_);
    mbedtls_ssl_ticket_free(&tickets_);
    mbedtls_pk_free(&key_);
    mbedtls_x509_crt_free(&cert_);
    mbedtls_ctr_drbg_free(&drbg_);
    mbedtls_entropy_free(&entropy_);
  }

  const mbedtls_ssl_config& conf() const { return conf_; }

 private:
  static void expect_ok(int ret) { EXPECT_EQ(ret, 0) << "mbedTLS -0x" << std::hex << -ret; }
  static const unsigned char* pem(const char* text) {
    return reinterpret_cast<const unsigned char*>(text);
  }

  const char* alpn_list_[2] = {alpn, nullptr};
  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
  mbedtls_x509_crt cert_;
  mbedtls_pk_context key_;
  mbedtls_ssl_ticket_context tickets_;
  mbedtls_ssl_config conf_;
};

// One server connection, its input and output in memory.
class ServerSession {
 public:
  explicit ServerSession(const ServerConfig& config) {
    mbedtls_ssl_init(&ssl_);
    EXPECT_EQ(mbedtls_ssl_setup(&ssl_, &config.conf()), 0);
    mbedtls_ssl_set_bio(&ssl_, this, &ServerSession::send, &ServerSession::receive, nullptr);
  }
  ServerSession(const ServerSession&) = delete;
  ServerSession& operator=(const ServerSession&) = delete;
  ~ServerSession() { mbedtls_ssl_free(&ssl_); }

  void deliver(const Bytes& bytes) { in_.insert(in_.end(), bytes.begin(), bytes.end()); }
  Bytes take_output() { return std::exchange(out_, {}); }

  // The last mbedTLS return code of the handshake, 0 once it is over.
  int handshake() { return mbedtls_ssl_handshake(&ssl_); }
  int write(const std::string& text) {
    return mbedtls_ssl_write(&ssl_, reinterpret_cast<const unsigned char*>(text.data()),
                             text.size());
  }
  // Decrypted data, or the mbedTLS code that stopped the read.
  std::string read(int& ret) {
    Bytes plain(256);
    ret = mbedtls_ssl_read(&ssl_, plain.data(), plain.size());
    return ret > 0 ? std::string(plain.begin(), plain.begin() + ret) : std::string();
  }
  int close_notify() { return mbedtls_ssl_close_notify(&ssl_); }

 private:
  static int send(void* self, const unsigned char* data, std::size_t size) {
    auto& out = static_cast<ServerSession*>(self)->out_;
    out.insert(out.end(), data, data + size);
    return static_cast<int>(size);
  }
  static int receive(void* self, unsigned char* data, std::size_t size) {
    auto& session = *static_cast<ServerSession*>(self);
    const std::size_t n = std::min(size, session.in_.size() - session.in_pos_);
    if (n == 0) {
      return MBEDTLS_ERR_SSL_WANT_READ;
    }
    std::memcpy(data, session.in_.data() + session.in_pos_, n);
    session.in_pos_ += n;
    return static_cast<int>(n);
  }

  mbedtls_ssl_context ssl_;
  Bytes in_;
  std::size_t in_pos_ = 0;
  Bytes out_;
};

// Hands `bytes` to the engine as ciphertext received from the peer.
void feed(Engine& engine, const Bytes& bytes) {
  for (std::size_t done = 0; done < bytes.size();) {
    auto space = engine.input_space();
    const std::size_t n = std::min(space.size(), bytes.size() - done);
    std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(done), n, space.begin());
    engine.commit_input(n);
    done += n;
  }
}

std::string text_of(const Bytes& bytes) {
  return {bytes.begin(), bytes.end()};
}

class TlsEngineTest : public ::testing::Test {
 protected:
  TlsEngineTest() {
    settings_.ca_file = files_.write("ca.pem", test::certificate_pem);
    settings_.server_name = "broker.example";
    settings_.alpn = {alpn};
  }

  std::shared_ptr<TlsContext> context() {
    if (!context_) {
      context_ = TlsContext::create(settings_).value();
    }
    return context_;
  }

  // Runs the client handshake against `server`, passing each side's output to
  // the other, and ends it as the I/O layer would. Returns its outcome.
  error_code handshake(Engine& client, ServerSession& server) {
    StepResult step = client.handshake_step();
    for (int flight = 0; flight < 10 && step && step->need_input; ++flight) {
      server.deliver(client.take_output());
      server.handshake();
      feed(client, server.take_output());
      step = client.handshake_step();
    }
    // The client's last flight (an alert, or its Finished on resumption) still reaches the server.
    server.deliver(client.take_output());
    server_result_ = server.handshake();
    return client.finish_handshake(step ? error_code() : step.error());
  }

  // A client connected to `server` by a successful handshake.
  std::unique_ptr<Engine> connected(ServerSession& server) {
    auto client = std::make_unique<Engine>(context());
    EXPECT_EQ(handshake(*client, server), error_code());
    EXPECT_EQ(server_result_, 0);
    return client;
  }

  test::TempFiles files_;
  config::Tls settings_;
  std::shared_ptr<TlsContext> context_;
  ServerConfig server_config_;
  int server_result_ = 0;
};

TEST_F(TlsEngineTest, ClientHelloNamesTheServerAndAlpn) {
  Engine client(context());
  auto step = client.handshake_step();
  ASSERT_TRUE(step) << step.error().message();
  EXPECT_TRUE(step->need_input);
  const Bytes hello = client.take_output();
  EXPECT_EQ(client.produced(), hello.size());
  ASSERT_GT(hello.size(), 10u);
  EXPECT_EQ(hello[0], 0x16);  // record type: handshake
  EXPECT_EQ(hello[5], 0x01);  // handshake type: ClientHello
  EXPECT_EQ(hello[9], 0x03);  // client_version 3.3 = TLS 1.2
  EXPECT_EQ(hello[10], 0x03);
  EXPECT_THAT(text_of(hello), HasSubstr("broker.example")) << "no SNI";
  EXPECT_THAT(text_of(hello), HasSubstr(alpn)) << "no ALPN";
  EXPECT_TRUE(client.take_output().empty());
}

TEST_F(TlsEngineTest, FullHandshakeVerifiesTheServerAndNegotiates) {
  ServerSession server(server_config_);
  auto client = connected(server);
  EXPECT_TRUE(client->handshake_done());
  EXPECT_FALSE(client->session_resumed());
  EXPECT_EQ(client->alpn_protocol(), alpn);
  EXPECT_THAT(client->cipher_suite(), HasSubstr("ECDHE-ECDSA"));
  EXPECT_GT(client->handshake_bytes_received(), 0u);
  EXPECT_GT(client->handshake_bytes_sent(), 0u);
  EXPECT_TRUE(context()->has_session());
}

TEST_F(TlsEngineTest, SecondConnectionResumesTheSession) {
  ServerSession first_server(server_config_);
  auto first = connected(first_server);
  ServerSession second_server(server_config_);
  auto second = connected(second_server);
  EXPECT_FALSE(first->session_resumed());
  EXPECT_TRUE(second->session_resumed());
  EXPECT_LT(second->handshake_bytes_received(), first->handshake_bytes_received());
}

TEST_F(TlsEngineTest, DataGoesBothWays) {
  ServerSession server(server_config_);
  auto client = connected(server);
  const std::string request = "hello broker";
  auto written =
      client->write({reinterpret_cast<const unsigned char*>(request.data()), request.size()});
  ASSERT_TRUE(written) << written.error().message();
  EXPECT_EQ(written->bytes, request.size());
  server.deliver(client->take_output());
  int ret = 0;
  EXPECT_EQ(server.read(ret), request);

  Bytes plain(64);
  auto waiting = client->read(plain);
  ASSERT_TRUE(waiting);
  EXPECT_TRUE(waiting->need_input);
  ASSERT_EQ(server.write("hello gateway"), 13);
  feed(*client, server.take_output());
  auto read = client->read(plain);
  ASSERT_TRUE(read) << read.error().message();
  EXPECT_FALSE(read->need_input);
  EXPECT_EQ(std::string(plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(read->bytes)),
            "hello gateway");
}

TEST_F(TlsEngineTest, CloseNotifyFromThePeerEndsTheStream) {
  ServerSession server(server_config_);
  auto client = connected(server);
  ASSERT_EQ(server.close_notify(), 0);
  feed(*client, server.take_output());
  Bytes plain(64);
  auto read = client->read(plain);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error(), Errc::peer_closed);
}

TEST_F(TlsEngineTest, CloseNotifyReachesThePeer) {
  ServerSession server(server_config_);
  auto client = connected(server);
  auto closed = client->close_notify();
  ASSERT_TRUE(closed) << closed.error().message();
  EXPECT_FALSE(closed->need_input);
  server.deliver(client->take_output());
  int ret = 0;
  server.read(ret);
  EXPECT_EQ(ret, MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY);
}

TEST_F(TlsEngineTest, WrongServerNameFailsVerificationAndAlertsThePeer) {
  settings_.server_name = "other.example";
  ServerSession server(server_config_);
  Engine client(context());
  auto ec = handshake(client, server);
  EXPECT_EQ(&ec.category(), &verify_category()) << ec.message();
  EXPECT_THAT(ec.message(), HasSubstr("host name mismatch"));
  EXPECT_FALSE(client.handshake_done());
  EXPECT_EQ(server_result_, MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE);
  EXPECT_FALSE(context()->has_session());
}

TEST_F(TlsEngineTest, GarbageFromThePeerIsAnMbedtlsError) {
  Engine client(context());
  ASSERT_TRUE(client.handshake_step());
  const std::string reply = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
  feed(client, Bytes(reply.begin(), reply.end()));
  auto step = client.handshake_step();
  ASSERT_FALSE(step);
  EXPECT_STREQ(step.error().category().name(), "mbedtls") << step.error().message();
  EXPECT_THAT(step.error().message(), HasSubstr("SSL - "));
}

TEST_F(TlsEngineTest, ReadWriteBeforeTheHandshakeAreNotConnected) {
  Engine client(context());
  Bytes plain(16);
  auto read = client.read(plain);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error(), Errc::not_connected);
  auto written = client.write(plain);
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error(), Errc::not_connected);
  EXPECT_TRUE(client.close_notify());
  EXPECT_EQ(client.produced(), 0u);
}

TEST_F(TlsEngineTest, EmptyServerNameIsRefusedWhenVerifying) {
  settings_.server_name.clear();
  Engine client(context());
  auto step = client.handshake_step();
  ASSERT_FALSE(step);
  EXPECT_EQ(step.error(), Errc::no_server_name);
}

}  // namespace
}  // namespace iotgw::bridge::tls
