// TlsContext: what it refuses to load and how it says so, and the policy it
// sets, read back from the mbedTLS configuration it built.
#include <set>
#include <string>

#include <boost/system/system_error.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <mbedtls/error.h>
#include <mbedtls/ssl_ciphersuites.h>

#include "bridge/tls/context.hpp"
#include "tests/unit/bridge/tls/temp_files.hpp"
#include "tests/unit/bridge/tls/test_pki.hpp"

namespace iotgw::bridge::tls {
namespace {

using test::TempFiles;
using ::testing::HasSubstr;

constexpr const char* garbage_pem =
    "-----BEGIN CERTIFICATE-----\nthis is not base64 !!!\n-----END CERTIFICATE-----\n";

class TlsContextTest : public ::testing::Test {
 protected:
  // Settings that load: our CA as trust anchor, a name to check.
  config::Tls valid() const {
    config::Tls settings;
    settings.ca_file = files_.write("ca.pem", test::certificate_pem);
    settings.server_name = "broker.example";
    return settings;
  }

  TempFiles files_;
};

TEST_F(TlsContextTest, LoadsACaFile) {
  auto context = TlsContext::create(valid());
  ASSERT_TRUE(context) << context.error().detail;
  EXPECT_EQ((*context)->server_name(), "broker.example");
  EXPECT_TRUE((*context)->verifies_peer());
  EXPECT_FALSE((*context)->has_session());
}

TEST_F(TlsContextTest, MissingCaFileNamesTheKeyAndTheFile) {
  auto settings = valid();
  settings.ca_file = files_.path() / "absent.pem";
  auto context = TlsContext::create(settings);
  ASSERT_FALSE(context);
  EXPECT_THAT(context.error().detail,
              HasSubstr("mqtt.tls.ca_file \"" + settings.ca_file.string() + "\""));
  EXPECT_EQ(context.error().code, Errc::setup_failed);
  EXPECT_EQ(context.error().cause.value(), MBEDTLS_ERR_PK_FILE_IO_ERROR);
  EXPECT_EQ(&context.error().cause.category(), &mbedtls_category());
  EXPECT_THAT(context.error().detail, HasSubstr("Read/write of file failed"));
}

TEST_F(TlsContextTest, GarbageCaFileIsAnErrorNamingIt) {
  auto settings = valid();
  settings.ca_file = files_.write("garbage.pem", garbage_pem);
  auto context = TlsContext::create(settings);
  ASSERT_FALSE(context);
  EXPECT_THAT(context.error().detail, HasSubstr("mqtt.tls.ca_file \"" + settings.ca_file.string() +
                                                "\": cannot read the CA certificates"));
  EXPECT_THAT(context.error().detail, HasSubstr("PEM"));
}

TEST_F(TlsContextTest, EmptyCaFileIsAnError) {
  auto settings = valid();
  settings.ca_file = files_.write("empty.pem", "");
  auto context = TlsContext::create(settings);
  ASSERT_FALSE(context);
  EXPECT_THAT(context.error().detail, HasSubstr(settings.ca_file.string()));
}

TEST_F(TlsContextTest, CaDirWithoutCertificatesIsAnError) {
  config::Tls settings;
  settings.server_name = "broker.example";
  settings.ca_dir = files_.path() / "cas";
  std::filesystem::create_directory(settings.ca_dir);
  files_.write("cas/readme.txt", "no certificates here\n");
  auto context = TlsContext::create(settings);
  ASSERT_FALSE(context);
  EXPECT_THAT(context.error().detail, HasSubstr("mqtt.tls.ca_dir \"" + settings.ca_dir.string()));
}

TEST_F(TlsContextTest, CaDirWithACertificateLoads) {
  config::Tls settings;
  settings.server_name = "broker.example";
  settings.ca_dir = files_.path() / "cas";
  std::filesystem::create_directory(settings.ca_dir);
  files_.write("cas/ca.pem", test::certificate_pem);
  auto context = TlsContext::create(settings);
  EXPECT_TRUE(context) << context.error().detail;
}

TEST_F(TlsContextTest, SystemBundleIsTheDefault) {
  if (!std::filesystem::exists(system_ca_bundle)) {
    GTEST_SKIP() << system_ca_bundle << " is not installed";
  }
  config::Tls settings;
  settings.server_name = "broker.example";
  auto context = TlsContext::create(settings);
  EXPECT_TRUE(context) << context.error().detail;
}

TEST_F(TlsContextTest, ClientCertificateAndKeyLoad) {
  auto settings = valid();
  settings.cert_file = files_.write("client.pem", test::certificate_pem);
  settings.key_file = files_.write("client.key", test::key_pem);
  auto context = TlsContext::create(settings);
  EXPECT_TRUE(context) << context.error().detail;
}

TEST_F(TlsContextTest, GarbageClientCertificateNamesIt) {
  auto settings = valid();
  settings.cert_file = files_.write("client.pem", garbage_pem);
  settings.key_file = files_.write("client.key", test::key_pem);
  auto context = TlsContext::create(settings);
  ASSERT_FALSE(context);
  EXPECT_THAT(context.error().detail,
              HasSubstr("mqtt.tls.cert_file \"" + settings.cert_file.string() +
                        "\": cannot read the client certificate"));
}

TEST_F(TlsContextTest, GarbageKeyNamesIt) {
  auto settings = valid();
  settings.cert_file = files_.write("client.pem", test::certificate_pem);
  settings.key_file =
      files_.write("client.key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  auto context = TlsContext::create(settings);
  ASSERT_FALSE(context);
  EXPECT_THAT(context.error().detail,
              HasSubstr("mqtt.tls.key_file \"" + settings.key_file.string() +
                        "\": cannot read the client key"));
}

TEST_F(TlsContextTest, KeyOfAnotherCertificateIsRefused) {
  auto settings = valid();
  settings.cert_file = files_.write("client.pem", test::certificate_pem);
  settings.key_file = files_.write("client.key", test::other_key_pem);
  auto context = TlsContext::create(settings);
  ASSERT_FALSE(context);
  EXPECT_THAT(context.error().detail, HasSubstr("the key does not match mqtt.tls.cert_file"));
}

TEST_F(TlsContextTest, CertificateWithoutKeyIsRefused) {
  auto settings = valid();
  settings.cert_file = files_.write("client.pem", test::certificate_pem);
  auto context = TlsContext::create(settings);
  ASSERT_FALSE(context);
  EXPECT_EQ(context.error().detail, "mqtt.tls.cert_file is set but mqtt.tls.key_file is not");
}

TEST_F(TlsContextTest, ValueThrowsTheMessage) {
  auto settings = valid();
  settings.ca_file = files_.write("garbage.pem", garbage_pem);
  auto context = TlsContext::create(settings);
  EXPECT_THROW(context.value(), std::runtime_error);
  try {
    context.value();
    ADD_FAILURE() << "value() of an error returned";
  } catch (const boost::system::system_error& thrown) {
    EXPECT_EQ(thrown.code(), Errc::setup_failed);
    EXPECT_THAT(thrown.what(), HasSubstr(context.error().detail));
  }
}

TEST_F(TlsContextTest, OnlyTls12) {
  auto context = TlsContext::create(valid()).value();
  const auto& conf = context->ssl_config();
  EXPECT_EQ(conf.min_major_ver, MBEDTLS_SSL_MAJOR_VERSION_3);
  EXPECT_EQ(conf.min_minor_ver, MBEDTLS_SSL_MINOR_VERSION_3);  // TLS 1.2
  EXPECT_EQ(conf.max_major_ver, MBEDTLS_SSL_MAJOR_VERSION_3);
  EXPECT_EQ(conf.max_minor_ver, MBEDTLS_SSL_MINOR_VERSION_3);
}

TEST_F(TlsContextTest, CiphersuitesAreEcdheWithAeadOnly) {
  auto context = TlsContext::create(valid()).value();
  const int* list = context->ssl_config().ciphersuite_list[MBEDTLS_SSL_MINOR_VERSION_3];
  ASSERT_EQ(list, cipher_suites);
  std::set<std::string> names;
  for (const int* id = list; *id != 0; ++id) {
    const mbedtls_ssl_ciphersuite_t* suite = mbedtls_ssl_ciphersuite_from_id(*id);
    ASSERT_NE(suite, nullptr) << "suite " << *id << " is not in this mbedTLS build";
    names.insert(suite->name);
    EXPECT_TRUE(suite->key_exchange == MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA ||
                suite->key_exchange == MBEDTLS_KEY_EXCHANGE_ECDHE_RSA)
        << suite->name;
    EXPECT_TRUE(suite->cipher == MBEDTLS_CIPHER_AES_128_GCM ||
                suite->cipher == MBEDTLS_CIPHER_AES_256_GCM ||
                suite->cipher == MBEDTLS_CIPHER_CHACHA20_POLY1305)
        << suite->name;
  }
  EXPECT_EQ(names, (std::set<std::string>{
                       "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256",
                       "TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384",
                       "TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256",
                       "TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256",
                       "TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384",
                       "TLS-ECDHE-RSA-WITH-CHACHA20-POLY1305-SHA256",
                   }));
}

TEST_F(TlsContextTest, VerificationIsRequiredByDefault) {
  auto context = TlsContext::create(valid()).value();
  EXPECT_EQ(context->ssl_config().authmode, MBEDTLS_SSL_VERIFY_REQUIRED);
  EXPECT_NE(context->ssl_config().ca_chain, nullptr);
}

TEST_F(TlsContextTest, InsecureSkipVerifyTurnsVerificationOff) {
  config::Tls settings;
  settings.insecure_skip_verify = true;
  settings.ca_file = files_.path() / "never-read.pem";
  auto context = TlsContext::create(settings);
  ASSERT_TRUE(context) << context.error().detail;
  EXPECT_EQ((*context)->ssl_config().authmode, MBEDTLS_SSL_VERIFY_NONE);
  EXPECT_FALSE((*context)->verifies_peer());
}

TEST_F(TlsContextTest, AlpnListIsPassedInOrder) {
  auto settings = valid();
  settings.alpn = {"x-amzn-mqtt-ca", "mqtt"};
  auto context = TlsContext::create(settings).value();
  const char** alpn = context->ssl_config().alpn_list;
  ASSERT_NE(alpn, nullptr);
  EXPECT_STREQ(alpn[0], "x-amzn-mqtt-ca");
  EXPECT_STREQ(alpn[1], "mqtt");
  EXPECT_EQ(alpn[2], nullptr);
}

TEST_F(TlsContextTest, NoAlpnByDefault) {
  auto context = TlsContext::create(valid()).value();
  EXPECT_EQ(context->ssl_config().alpn_list, nullptr);
}

TEST_F(TlsContextTest, SessionTicketsOnRenegotiationOff) {
  auto context = TlsContext::create(valid()).value();
  EXPECT_EQ(context->ssl_config().session_tickets, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
  EXPECT_EQ(context->ssl_config().disable_renegotiation, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
}

}  // namespace
}  // namespace iotgw::bridge::tls
