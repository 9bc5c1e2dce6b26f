// The TLS configuration shared by every connection to the broker: trust
// anchors, the client certificate, the protocol and cipher policy, ALPN, the
// random generator and the session kept for resumption. Built once from
// [mqtt.tls]; each reconnect builds a fresh TlsStream over it.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "bridge/tls/error.hpp"
#include "config/config.hpp"

namespace iotgw::bridge::tls {

// Where the CA bundle is read from when neither ca_file nor ca_dir is set.
inline constexpr const char* system_ca_bundle = "/etc/ssl/certs/ca-certificates.crt";

class TlsContext {
 public:
  // Loads certificates and keys and fixes the policy; every failure is a value
  // whose detail names the configuration key and the file.
  static Result<std::shared_ptr<TlsContext>> create(const config::Tls& settings);

  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  ~TlsContext();

  // The mbedTLS configuration every stream is set up with.
  const mbedtls_ssl_config& ssl_config() const { return conf_; }
  const std::string& server_name() const { return server_name_; }
  bool verifies_peer() const { return !insecure_skip_verify_; }

  // Keeps the session of a completed handshake for the next connection.
  void save_session(const mbedtls_ssl_context& ssl);
  // Offers the kept session to a stream before its handshake; false if there is none.
  bool offer_session(mbedtls_ssl_context& ssl) const;
  // Drops the kept session, after a failed handshake that offered it.
  void forget_session();
  bool has_session() const;

 private:
  TlsContext();
  Result<> load(const config::Tls& settings);
  Result<> load_trust(const config::Tls& settings);
  Result<> load_client_certificate(const config::Tls& settings);

  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
  mbedtls_x509_crt ca_chain_;
  mbedtls_x509_crt own_cert_;
  mbedtls_pk_context own_key_;
  mbedtls_ssl_config conf_;
  std::string server_name_;
  bool insecure_skip_verify_ = false;
  std::vector<unsigned char> server_ip_;  // server_name as address bytes when it is an IP literal
  std::vector<std::string> alpn_;
  std::vector<const char*> alpn_list_;  // points into alpn_, null-terminated for mbedTLS

  mutable std::mutex session_mutex_;
  mbedtls_ssl_session session_;
  bool has_session_ = false;
};

// The ciphersuites offered, strongest first: ECDHE key exchange (forward secrecy)
// with AES-GCM or ChaCha20-Poly1305, for ECDSA and RSA server keys. Zero-terminated.
extern const int cipher_suites[];

}  // namespace iotgw::bridge::tls
