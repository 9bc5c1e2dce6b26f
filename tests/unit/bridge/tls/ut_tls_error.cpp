// The error categories: names, and messages an operator can act on.
#include <boost/asio/error.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509.h>

#include "bridge/tls/error.hpp"

namespace iotgw::bridge::tls {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(TlsError, MbedtlsCodesReadAsStrerrorWithTheCode) {
  auto ec = mbedtls_error(MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE);
  EXPECT_STREQ(ec.category().name(), "mbedtls");
  EXPECT_EQ(ec.value(), MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE);
  EXPECT_EQ(ec.message(), "SSL - A fatal alert message was received from our peer (-0x7780)");
}

TEST(TlsError, MbedtlsX509CodeReadsAsStrerror) {
  EXPECT_EQ(mbedtls_error(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED).message(),
            "X509 - Certificate verification failed, e.g. CRL, CA or signature check failed "
            "(-0x2700)");
}

TEST(TlsError, ZeroIsSuccess) {
  EXPECT_FALSE(mbedtls_error(0));
}

TEST(TlsError, VerifyFlagsNameEachReason) {
  EXPECT_EQ(verify_error(MBEDTLS_X509_BADCERT_NOT_TRUSTED).message(),
            "server certificate verification failed: unknown or untrusted CA (not signed by a "
            "trusted CA)");
  EXPECT_THAT(verify_error(MBEDTLS_X509_BADCERT_EXPIRED).message(),
              HasSubstr("certificate expired"));
  EXPECT_THAT(verify_error(MBEDTLS_X509_BADCERT_FUTURE).message(),
              HasSubstr("certificate not yet valid"));
  EXPECT_THAT(verify_error(MBEDTLS_X509_BADCERT_CN_MISMATCH).message(),
              HasSubstr("host name mismatch"));
}

TEST(TlsError, SeveralVerifyFlagsAreJoined) {
  auto message =
      verify_error(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_CN_MISMATCH).message();
  EXPECT_EQ(message,
            "server certificate verification failed: certificate expired; host name mismatch (the "
            "certificate is for another name)");
  EXPECT_STREQ(verify_error(MBEDTLS_X509_BADCERT_EXPIRED).category().name(), "iotgw.tls.verify");
}

TEST(TlsError, OtherVerifyFlagsUseMbedtlsWording) {
  auto message = verify_error(MBEDTLS_X509_BADCRL_EXPIRED).message();
  EXPECT_EQ(message, "server certificate verification failed: The CRL is expired");
}

TEST(TlsError, AlertsAreNamedWithAHint) {
  auto ec = alert_error(MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION);
  EXPECT_STREQ(ec.category().name(), "iotgw.tls.alert");
  EXPECT_EQ(ec.message(),
            "TLS alert from the peer: protocol_version (70) (the server does not speak TLS 1.2)");
  EXPECT_EQ(alert_error(MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA).message(),
            "TLS alert from the peer: unknown_ca (48) (the server did not accept our client "
            "certificate)");
  EXPECT_EQ(alert_error(200).message(), "TLS alert from the peer: unknown alert (200)");
}

TEST(TlsError, StreamConditions) {
  boost::system::error_code ec = Errc::stream_truncated;
  EXPECT_STREQ(ec.category().name(), "iotgw.tls");
  EXPECT_EQ(ec.message(), "connection closed by the peer without TLS close_notify");
  EXPECT_NE(ec, boost::asio::error::eof);
  boost::system::error_code timeout = Errc::handshake_timeout;
  EXPECT_EQ(timeout.message(), "TLS handshake timed out");
  EXPECT_EQ(timeout, boost::system::errc::timed_out);
  EXPECT_THAT(boost::system::error_code(Errc::no_server_name).message(),
              HasSubstr("mqtt.tls.server_name is empty"));
  EXPECT_EQ(boost::system::error_code(Errc::setup_failed).message(), "TLS set-up failed");
  EXPECT_EQ(boost::system::error_code(Errc::peer_closed).message(),
            "the peer closed the TLS session (close_notify)");
}

}  // namespace
}  // namespace iotgw::bridge::tls
