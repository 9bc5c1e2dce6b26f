// Error values of the TLS stream as boost::system::error_code: mbedTLS return
// codes, certificate verification flags, alerts received from the peer and the
// stream's own conditions, each in its own category so that message() says
// what went wrong in words an operator can act on. Failures that need more
// words than a code (which file, which key) are an Error inside a Result.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

#include <boost/assert/source_location.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

namespace iotgw::bridge::tls {

// mbedTLS return codes (negative numbers), messages from mbedtls_strerror.
const boost::system::error_category& mbedtls_category() noexcept;

// Certificate verification failures; the value is the MBEDTLS_X509_BADCERT_* bit set.
const boost::system::error_category& verify_category() noexcept;

// Fatal alerts sent by the peer; the value is the alert description (RFC 5246 7.2).
const boost::system::error_category& alert_category() noexcept;

// Conditions the TLS layer itself detects.
enum class Errc {
  stream_truncated = 1,  // TCP closed by the peer without a TLS close_notify
  handshake_timeout,     // the handshake did not finish within its time limit
  not_connected,         // read or write before a successful handshake
  no_server_name,        // verification is on but there is no name to check the certificate against
  setup_failed,          // the [mqtt.tls] settings could not be turned into a TLS context
  peer_closed,           // the peer sent close_notify: no more data follows
};

const boost::system::error_category& tls_category() noexcept;

boost::system::error_code make_error_code(Errc e) noexcept;

// An mbedTLS return code as an error_code; 0 stays success.
boost::system::error_code mbedtls_error(int ret) noexcept;

// Verification flags from mbedtls_ssl_get_verify_result as an error_code.
boost::system::error_code verify_error(std::uint32_t flags) noexcept;

// A fatal alert description received from the peer as an error_code.
boost::system::error_code alert_error(unsigned char description) noexcept;

// A failure with the words an operator needs: what failed, naming the
// configuration key and the file, and the mbedTLS failure behind it.
struct Error {
  Errc code;
  std::string detail;
  boost::system::error_code cause;  // in mbedtls_category(); success when mbedTLS was not involved
};

template <class T = void>
using Result = boost::system::result<T, Error>;

// Lets Result::value() throw when it holds an error: a boost::system::system_error
// with the code and the detail.
[[noreturn]] void throw_exception_from_error(const Error& error,
                                             const boost::source_location& location);

}  // namespace iotgw::bridge::tls

template <>
struct boost::system::is_error_code_enum<iotgw::bridge::tls::Errc> : std::true_type {};
