#include "bridge/tls/context.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <netinet/in.h>

#include <mbedtls/asn1.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/x509.h>
#include <spdlog/spdlog.h>

namespace iotgw::bridge::tls {
namespace {

// Mixed into the DRBG seed so that this generator's stream differs from any
// other mbedTLS user on the board even with the same entropy.
constexpr unsigned char personalisation[] = "iotgw mqtt tls ctr_drbg";

// An mbedTLS failure while doing `what`, in words followed by mbedTLS's own.
Error setup_error(int ret, const std::string& what) {
  auto cause = mbedtls_error(ret);
  return {Errc::setup_failed, what + ": " + cause.message(), cause};
}

// An mbedTLS failure while reading `path` for configuration key `key`.
Error file_error(int ret, const std::string& key, const std::filesystem::path& path,
                 const std::string& what) {
  return setup_error(ret, "mqtt.tls." + key + " \"" + path.string() + "\": " + what);
}

// Clears a host name mismatch on the server's own certificate when one of its
// iPAddress subject alternative names equals the address we connect to. mbedTLS
// 2.28 compares the expected name with the CN and dNSName entries only, so a
// broker reached by IP address with a correctly issued certificate would fail.
int accept_matching_ip_san(void* expected, mbedtls_x509_crt* crt, int depth, std::uint32_t* flags) {
  if (depth != 0 || (*flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) == 0) {
    return 0;
  }
  const auto& address = *static_cast<const std::vector<unsigned char>*>(expected);
  for (const mbedtls_x509_sequence* san = &crt->subject_alt_names; san != nullptr;
       san = san->next) {
    if (san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_IP_ADDRESS) &&
        san->buf.len == address.size() && std::equal(address.begin(), address.end(), san->buf.p)) {
      *flags &= ~static_cast<std::uint32_t>(MBEDTLS_X509_BADCERT_CN_MISMATCH);
      return 0;
    }
  }
  return 0;
}

// The bytes of an IPv4 or IPv6 literal as they appear in an iPAddress SAN; empty for a host name.
std::vector<unsigned char> ip_literal_bytes(const std::string& name) {
  std::array<unsigned char, sizeof(in6_addr)> bytes{};
  if (inet_pton(AF_INET, name.c_str(), bytes.data()) == 1) {
    return {bytes.begin(), bytes.begin() + sizeof(in_addr)};
  }
  if (inet_pton(AF_INET6, name.c_str(), bytes.data()) == 1) {
    return {bytes.begin(), bytes.end()};
  }
  return {};
}

}  // namespace

const int cipher_suites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    0,
};

TlsContext::TlsContext() {
  mbedtls_entropy_init(&entropy_);
  mbedtls_ctr_drbg_init(&drbg_);
  mbedtls_x509_crt_init(&ca_chain_);
  mbedtls_x509_crt_init(&own_cert_);
  mbedtls_pk_init(&own_key_);
  mbedtls_ssl_config_init(&conf_);
  mbedtls_ssl_session_init(&session_);
}

TlsContext::~TlsContext() {
  mbedtls_ssl_session_free(&session_);
  mbedtls_ssl_config_free(&conf_);
  mbedtls_pk_free(&own_key_);
  mbedtls_x509_crt_free(&own_cert_);
  mbedtls_x509_crt_free(&ca_chain_);
  mbedtls_ctr_drbg_free(&drbg_);
  mbedtls_entropy_free(&entropy_);
}

Result<std::shared_ptr<TlsContext>> TlsContext::create(const config::Tls& settings) {
  // The constructor is private: mbedTLS keeps pointers between the members, so a
  // context must never move once built.
  std::shared_ptr<TlsContext> context(new TlsContext());
  if (auto loaded = context->load(settings); !loaded) {
    return loaded.error();
  }
  return context;
}

// Seeds the generator, loads the files and applies the policy, in that order so
// that a file error is reported before anything else can fail.
Result<> TlsContext::load(const config::Tls& settings) {
  server_name_ = settings.server_name;
  insecure_skip_verify_ = settings.insecure_skip_verify;

  if (int ret = mbedtls_ctr_drbg_seed(&drbg_, mbedtls_entropy_func, &entropy_, personalisation,
                                      sizeof personalisation - 1);
      ret != 0) {
    return setup_error(ret, "cannot seed the TLS random generator");
  }
  if (auto trust = load_trust(settings); !trust) {
    return trust;
  }
  if (auto certificate = load_client_certificate(settings); !certificate) {
    return certificate;
  }

  if (int ret = mbedtls_ssl_config_defaults(
          &conf_, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
      ret != 0) {
    return setup_error(ret, "cannot set up the TLS configuration");
  }
  mbedtls_ssl_conf_rng(&conf_, mbedtls_ctr_drbg_random, &drbg_);
  // TLS 1.2 only: mbedTLS 2.28 has no TLS 1.3, and 1.0/1.1 are broken.
  mbedtls_ssl_conf_min_version(&conf_, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_max_version(&conf_, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_ciphersuites(&conf_, cipher_suites);
  mbedtls_ssl_conf_renegotiation(&conf_, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
  mbedtls_ssl_conf_session_tickets(&conf_, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
  if (insecure_skip_verify_) {
    mbedtls_ssl_conf_authmode(&conf_, MBEDTLS_SSL_VERIFY_NONE);
  } else {
    mbedtls_ssl_conf_authmode(&conf_, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&conf_, &ca_chain_, nullptr);
    server_ip_ = ip_literal_bytes(server_name_);
    if (!server_ip_.empty()) {
      mbedtls_ssl_conf_verify(&conf_, accept_matching_ip_san, &server_ip_);
    }
  }
  if (!settings.cert_file.empty()) {
    if (int ret = mbedtls_ssl_conf_own_cert(&conf_, &own_cert_, &own_key_); ret != 0) {
      return file_error(ret, "cert_file", settings.cert_file, "cannot use the client certificate");
    }
  }

  if (!settings.alpn.empty()) {
    alpn_ = settings.alpn;
    for (const auto& protocol : alpn_) {
      alpn_list_.push_back(protocol.c_str());
    }
    alpn_list_.push_back(nullptr);
    if (int ret = mbedtls_ssl_conf_alpn_protocols(&conf_, alpn_list_.data()); ret != 0) {
      return setup_error(ret, "mqtt.tls.alpn");
    }
  }
  return {};
}

// Reads the trust anchors: ca_file and/or ca_dir, else the system bundle. With
// verification off nothing is read, so a gateway without a bundle still starts.
Result<> TlsContext::load_trust(const config::Tls& settings) {
  if (settings.insecure_skip_verify) {
    return {};
  }
  const bool use_system = settings.ca_file.empty() && settings.ca_dir.empty();
  const std::filesystem::path file = use_system ? system_ca_bundle : settings.ca_file;
  const char* key = use_system ? "ca_file (default, the system bundle)" : "ca_file";
  if (!file.empty()) {
    // A bundle may hold certificates mbedTLS cannot parse (a positive count);
    // those are skipped as long as some certificate was read.
    int ret = mbedtls_x509_crt_parse_file(&ca_chain_, file.c_str());
    if (ret < 0) {
      return file_error(ret, key, file, "cannot read the CA certificates");
    }
    if (ret > 0) {
      spdlog::warn("mqtt.tls.ca_file \"{}\": skipped {} certificate(s) that could not be parsed",
                   file.string(), ret);
    }
    if (ca_chain_.version == 0) {
      return file_error(MBEDTLS_ERR_X509_INVALID_FORMAT, key, file, "no usable CA certificate");
    }
  }
  if (!settings.ca_dir.empty()) {
    const bool had_any = ca_chain_.version != 0;
    int ret = mbedtls_x509_crt_parse_path(&ca_chain_, settings.ca_dir.c_str());
    if (ret < 0) {
      return file_error(ret, "ca_dir", settings.ca_dir, "cannot read the CA directory");
    }
    if (ret > 0) {
      spdlog::warn("mqtt.tls.ca_dir \"{}\": skipped {} file(s) that could not be parsed",
                   settings.ca_dir.string(), ret);
    }
    if (!had_any && ca_chain_.version == 0) {
      return file_error(MBEDTLS_ERR_X509_INVALID_FORMAT, "ca_dir", settings.ca_dir,
                        "no usable CA certificate");
    }
  }
  return {};
}

// Reads the client certificate and its key for mutual TLS, and checks that they belong together.
Result<> TlsContext::load_client_certificate(const config::Tls& settings) {
  if (settings.cert_file.empty() && settings.key_file.empty()) {
    return {};
  }
  if (settings.cert_file.empty() || settings.key_file.empty()) {
    return Error{Errc::setup_failed,
                 settings.cert_file.empty()
                     ? "mqtt.tls.key_file is set but mqtt.tls.cert_file is not"
                     : "mqtt.tls.cert_file is set but mqtt.tls.key_file is not",
                 mbedtls_error(MBEDTLS_ERR_SSL_BAD_INPUT_DATA)};
  }
  if (int ret = mbedtls_x509_crt_parse_file(&own_cert_, settings.cert_file.c_str()); ret != 0) {
    // A positive count means part of the file was not a certificate: refuse
    // rather than present a chain the operator did not intend.
    return file_error(ret < 0 ? ret : MBEDTLS_ERR_X509_INVALID_FORMAT, "cert_file",
                      settings.cert_file, "cannot read the client certificate");
  }
  if (int ret = mbedtls_pk_parse_keyfile(&own_key_, settings.key_file.c_str(), nullptr); ret != 0) {
    return file_error(ret, "key_file", settings.key_file, "cannot read the client key");
  }
  if (int ret = mbedtls_pk_check_pair(&own_cert_.pk, &own_key_); ret != 0) {
    return file_error(
        ret, "key_file", settings.key_file,
        "the key does not match mqtt.tls.cert_file \"" + settings.cert_file.string() + "\"");
  }
  return {};
}

void TlsContext::save_session(const mbedtls_ssl_context& ssl) {
  std::lock_guard lock(session_mutex_);
  mbedtls_ssl_session_free(&session_);
  mbedtls_ssl_session_init(&session_);
  has_session_ = mbedtls_ssl_get_session(&ssl, &session_) == 0;
}

bool TlsContext::offer_session(mbedtls_ssl_context& ssl) const {
  std::lock_guard lock(session_mutex_);
  return has_session_ && mbedtls_ssl_set_session(&ssl, &session_) == 0;
}

void TlsContext::forget_session() {
  std::lock_guard lock(session_mutex_);
  mbedtls_ssl_session_free(&session_);
  mbedtls_ssl_session_init(&session_);
  has_session_ = false;
}

bool TlsContext::has_session() const {
  std::lock_guard lock(session_mutex_);
  return has_session_;
}

}  // namespace iotgw::bridge::tls
