#include "bridge/tls/error.hpp"

#include <array>
#include <cstdio>
#include <string>
#include <utility>

#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>
#include <mbedtls/error.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>

// boost::system::error_category has a protected non-virtual destructor by design
// (categories are never deleted through a base pointer), which -Wnon-virtual-dtor
// reports for every derived category.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"

namespace iotgw::bridge::tls {
namespace {

class MbedtlsCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "mbedtls"; }

  // mbedtls_strerror's text followed by the code in the hex form mbedTLS documents.
  std::string message(int value) const override {
    std::array<char, 256> text{};
    mbedtls_strerror(value, text.data(), text.size());
    std::array<char, 32> code{};
    const unsigned magnitude =
        value < 0 ? static_cast<unsigned>(-value) : static_cast<unsigned>(value);
    std::snprintf(code.data(), code.size(), " (%s0x%04X)", value < 0 ? "-" : "", magnitude);
    return std::string(text.data()) + code.data();
  }
};

// Short reasons for the flags an operator meets in practice; any other flag falls
// back to mbedTLS's own sentence for it.
constexpr std::pair<std::uint32_t, const char*> verify_reasons[] = {
    {MBEDTLS_X509_BADCERT_NOT_TRUSTED, "unknown or untrusted CA (not signed by a trusted CA)"},
    {MBEDTLS_X509_BADCERT_EXPIRED, "certificate expired"},
    {MBEDTLS_X509_BADCERT_FUTURE, "certificate not yet valid"},
    {MBEDTLS_X509_BADCERT_CN_MISMATCH, "host name mismatch (the certificate is for another name)"},
    {MBEDTLS_X509_BADCERT_MISSING, "the server sent no certificate"},
    {MBEDTLS_X509_BADCERT_REVOKED, "certificate revoked"},
    {MBEDTLS_X509_BADCERT_KEY_USAGE, "key usage does not allow TLS server authentication"},
    {MBEDTLS_X509_BADCERT_EXT_KEY_USAGE,
     "extended key usage does not allow TLS server authentication"},
    {MBEDTLS_X509_BADCERT_BAD_MD, "signed with an unacceptable hash"},
    {MBEDTLS_X509_BADCERT_BAD_PK, "signed with an unacceptable key type"},
    {MBEDTLS_X509_BADCERT_BAD_KEY, "signed with an unacceptable key (curve or size)"},
};

class VerifyCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "iotgw.tls.verify"; }

  // One reason per flag, joined with "; ", after a fixed prefix that says what failed.
  std::string message(int value) const override {
    auto remaining = static_cast<std::uint32_t>(value);
    std::string out = "server certificate verification failed: ";
    bool first = true;
    auto append = [&](const std::string& reason) {
      out += first ? "" : "; ";
      out += reason;
      first = false;
    };
    for (const auto& [flag, reason] : verify_reasons) {
      if ((remaining & flag) != 0) {
        append(reason);
        remaining &= ~flag;
      }
    }
    if (remaining != 0) {
      // mbedTLS writes one line per flag, each ending in a newline.
      std::array<char, 1024> info{};
      const int written = mbedtls_x509_crt_verify_info(info.data(), info.size(), "", remaining);
      std::string lines = written > 0 ? std::string(info.data()) : std::string();
      for (std::size_t start = 0; start < lines.size();) {
        const auto end = lines.find('\n', start);
        const auto line = lines.substr(start, end == std::string::npos ? end : end - start);
        if (!line.empty()) {
          append(line);
        }
        start = end == std::string::npos ? lines.size() : end + 1;
      }
      if (written <= 0) {
        append("flags 0x" + std::to_string(remaining));
      }
    }
    if (first) {
      append("no reason given");
    }
    return out;
  }
};

// Alert descriptions by number, RFC 5246 section 7.2 and RFC 7301 for ALPN.
const char* alert_name(int description) {
  switch (description) {
    case 0:
      return "close_notify";
    case 10:
      return "unexpected_message";
    case 20:
      return "bad_record_mac";
    case 21:
      return "decryption_failed";
    case 22:
      return "record_overflow";
    case 30:
      return "decompression_failure";
    case 40:
      return "handshake_failure";
    case 41:
      return "no_certificate";
    case 42:
      return "bad_certificate";
    case 43:
      return "unsupported_certificate";
    case 44:
      return "certificate_revoked";
    case 45:
      return "certificate_expired";
    case 46:
      return "certificate_unknown";
    case 47:
      return "illegal_parameter";
    case 48:
      return "unknown_ca";
    case 49:
      return "access_denied";
    case 50:
      return "decode_error";
    case 51:
      return "decrypt_error";
    case 70:
      return "protocol_version";
    case 71:
      return "insufficient_security";
    case 80:
      return "internal_error";
    case 86:
      return "inappropriate_fallback";
    case 90:
      return "user_canceled";
    case 100:
      return "no_renegotiation";
    case 110:
      return "unsupported_extension";
    case 112:
      return "unrecognized_name";
    case 115:
      return "unknown_psk_identity";
    case 116:
      return "certificate_required";
    case 120:
      return "no_application_protocol";
    default:
      return "unknown alert";
  }
}

// What the alert most likely means for a gateway, for the alerts that have a usual cause.
const char* alert_hint(int description) {
  switch (description) {
    case 40:
      return " (no common protocol version or cipher suite, or the server requires a client "
             "certificate)";
    case 42:
    case 46:
    case 48:
    case 116:
      return " (the server did not accept our client certificate)";
    case 70:
      return " (the server does not speak TLS 1.2)";
    case 120:
      return " (the server supports none of the configured ALPN protocols)";
    default:
      return "";
  }
}

class AlertCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "iotgw.tls.alert"; }

  std::string message(int value) const override {
    return std::string("TLS alert from the peer: ") + alert_name(value) + " (" +
           std::to_string(value) + ")" + alert_hint(value);
  }
};

class TlsCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "iotgw.tls"; }

  std::string message(int value) const override {
    switch (static_cast<Errc>(value)) {
      case Errc::stream_truncated:
        return "connection closed by the peer without TLS close_notify";
      case Errc::handshake_timeout:
        return "TLS handshake timed out";
      case Errc::not_connected:
        return "TLS stream used before a successful handshake";
      case Errc::no_server_name:
        return "mqtt.tls.server_name is empty, so the server certificate's host name cannot be "
               "checked";
      case Errc::setup_failed:
        return "TLS set-up failed";
      case Errc::peer_closed:
        return "the peer closed the TLS session (close_notify)";
    }
    return "unknown TLS stream error";
  }

  // Lets callers test a handshake timeout against the portable timed_out condition.
  boost::system::error_condition default_error_condition(int value) const noexcept override {
    if (static_cast<Errc>(value) == Errc::handshake_timeout) {
      return boost::system::errc::make_error_condition(boost::system::errc::timed_out);
    }
    return {value, *this};
  }
};

}  // namespace

const boost::system::error_category& mbedtls_category() noexcept {
  static const MbedtlsCategory category;
  return category;
}

const boost::system::error_category& verify_category() noexcept {
  static const VerifyCategory category;
  return category;
}

const boost::system::error_category& alert_category() noexcept {
  static const AlertCategory category;
  return category;
}

const boost::system::error_category& tls_category() noexcept {
  static const TlsCategory category;
  return category;
}

boost::system::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), tls_category()};
}

boost::system::error_code mbedtls_error(int ret) noexcept {
  if (ret == 0) {
    return {};
  }
  return {ret, mbedtls_category()};
}

boost::system::error_code verify_error(std::uint32_t flags) noexcept {
  return {static_cast<int>(flags), verify_category()};
}

boost::system::error_code alert_error(unsigned char description) noexcept {
  return {static_cast<int>(description), alert_category()};
}

void throw_exception_from_error(const Error& error, const boost::source_location& location) {
  boost::throw_exception(boost::system::system_error(make_error_code(error.code), error.detail),
                         location);
}

}  // namespace iotgw::bridge::tls

#pragma GCC diagnostic pop
