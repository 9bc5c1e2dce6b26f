#include "bridge/tls/engine.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

#include <spdlog/spdlog.h>

namespace iotgw::bridge::tls {
namespace {

// Room offered for one receive: a full TLS record (16 KiB of plaintext plus overhead) fits.
constexpr std::size_t input_chunk = 17 * 1024;

// A failed step.
StepResult failure(boost::system::error_code ec) {
  return StepResult(boost::system::in_place_error, ec);
}

}  // namespace

Engine::Engine(std::shared_ptr<TlsContext> context) : context_(std::move(context)) {
  mbedtls_ssl_init(&ssl_);
}

Engine::~Engine() {
  mbedtls_ssl_free(&ssl_);
}

// Binds this session to the shared configuration, the host name to verify,
// our buffers and the session kept from the previous connection.
boost::system::error_code Engine::setup() {
  if (int ret = mbedtls_ssl_setup(&ssl_, &context_->ssl_config()); ret != 0) {
    return mbedtls_error(ret);
  }
  set_up_ = true;
  const auto& name = context_->server_name();
  if (name.empty()) {
    if (context_->verifies_peer()) {
      return Errc::no_server_name;
    }
  } else if (int ret = mbedtls_ssl_set_hostname(&ssl_, name.c_str()); ret != 0) {
    // Without a host name mbedTLS 2.28 accepts a certificate for any name.
    return mbedtls_error(ret);
  }
  mbedtls_ssl_set_bio(&ssl_, this, &Engine::bio_send, &Engine::bio_recv, nullptr);
  offered_session_ = context_->offer_session(ssl_);
  if (!context_->verifies_peer()) {
    spdlog::warn(
        "TLS: server certificate verification is OFF (mqtt.tls.insecure_skip_verify = true): "
        "the connection to {} is encrypted but not authenticated",
        name.empty() ? std::string("the broker") : name);
  }
  return {};
}

// Steps one state at a time to see whether the server sent a key exchange,
// which a resumed handshake skips.
StepResult Engine::handshake_step() {
  if (!handshake_started_) {
    handshake_started_ = true;
    if (auto ec = setup()) {
      return failure(ec);
    }
  }
  int ret = 0;
  while (ssl_.state != MBEDTLS_SSL_HANDSHAKE_OVER) {
    if (ssl_.state == MBEDTLS_SSL_SERVER_KEY_EXCHANGE) {
      saw_key_exchange_ = true;
    }
    ret = mbedtls_ssl_handshake_step(&ssl_);
    if (ret != 0) {
      break;
    }
  }
  if (ret == MBEDTLS_ERR_SSL_WANT_READ) {
    return Progress{.need_input = true};
  }
  if (ret != 0) {
    return failure(translate(ret));
  }
  return Progress{};
}

boost::system::error_code Engine::finish_handshake(boost::system::error_code ec) {
  if (ec) {
    // A session the server no longer accepts, or one that failed, is not offered again.
    if (offered_session_) {
      context_->forget_session();
    }
    return ec;
  }
  handshake_done_ = true;
  resumed_ = offered_session_ && !saw_key_exchange_;
  context_->save_session(ssl_);
  const char* alpn = mbedtls_ssl_get_alpn_protocol(&ssl_);
  spdlog::debug("TLS: connected to {} with {} {}{}{}, {}", context_->server_name(),
                mbedtls_ssl_get_version(&ssl_), cipher_suite(), alpn ? ", ALPN " : "",
                alpn ? alpn : "", resumed_ ? "session resumed" : "full handshake");
  return {};
}

// mbedTLS may also consume records that carry no data (a ticket, a warning
// alert) and ask for more; while bytes are still buffered it is called again
// rather than waiting for input that is already here.
StepResult Engine::read(std::span<unsigned char> plaintext) {
  if (!handshake_done_) {
    return failure(Errc::not_connected);
  }
  if (plaintext.empty()) {
    return Progress{};
  }
  for (int attempt = 0;; ++attempt) {
    int ret = mbedtls_ssl_read(&ssl_, plaintext.data(), plaintext.size());
    if (ret > 0) {
      return Progress{.bytes = static_cast<std::size_t>(ret)};
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_READ) {
      if (in_pos_ < input_end() && attempt < 16) {
        continue;
      }
      return Progress{.need_input = true};
    }
    if (ret == 0) {
      return failure(Errc::stream_truncated);
    }
    return failure(translate(ret));
  }
}

StepResult Engine::write(std::span<const unsigned char> plaintext) {
  if (!handshake_done_) {
    return failure(Errc::not_connected);
  }
  if (plaintext.empty()) {
    return Progress{};
  }
  int ret = mbedtls_ssl_write(&ssl_, plaintext.data(), plaintext.size());
  if (ret < 0) {
    return failure(translate(ret));
  }
  return Progress{.bytes = static_cast<std::size_t>(ret)};
}

StepResult Engine::close_notify() {
  if (!handshake_done_) {
    return Progress{};
  }
  if (int ret = mbedtls_ssl_close_notify(&ssl_); ret < 0) {
    return failure(translate(ret));
  }
  return Progress{};
}

// Turns an mbedTLS failure into the most specific error value available.
boost::system::error_code Engine::translate(int ret) const {
  switch (ret) {
    case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
      if (auto flags = mbedtls_ssl_get_verify_result(&ssl_);
          flags != 0 && flags != std::numeric_limits<std::uint32_t>::max()) {
        return verify_error(flags);
      }
      break;
    case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
      // mbedTLS 2.28 leaves the alert record in in_msg: level, then description.
      if (ssl_.in_msg != nullptr) {
        return alert_error(ssl_.in_msg[1]);
      }
      break;
    case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
      return Errc::peer_closed;
    default:
      break;
  }
  return mbedtls_error(ret);
}

std::span<unsigned char> Engine::input_space() {
  drop_consumed_input();
  in_reserved_ = in_.size();
  in_.resize(in_reserved_ + input_chunk);
  receiving_ = true;
  return {in_.data() + in_reserved_, input_chunk};
}

void Engine::commit_input(std::size_t n) {
  in_.resize(in_reserved_ + n);
  receiving_ = false;
}

// Where the received bytes end: the space lent out by input_space holds none yet.
std::size_t Engine::input_end() const {
  return receiving_ ? in_reserved_ : in_.size();
}

void Engine::drop_consumed_input() {
  in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(in_pos_));
  in_pos_ = 0;
}

std::vector<unsigned char> Engine::take_output(std::vector<unsigned char> spare) {
  spare.clear();
  std::swap(out_, spare);
  return spare;
}

// mbedTLS output: kept in memory until the I/O layer takes it.
int Engine::bio_send(void* self, const unsigned char* data, std::size_t size) {
  auto& engine = *static_cast<Engine*>(self);
  engine.out_.insert(engine.out_.end(), data, data + size);
  engine.produced_ += size;
  if (!engine.handshake_done_) {
    engine.handshake_bytes_out_ += size;
  }
  return static_cast<int>(size);
}

// mbedTLS input: served from what the peer delivered; "want read" when there is none.
int Engine::bio_recv(void* self, unsigned char* data, std::size_t size) {
  auto& engine = *static_cast<Engine*>(self);
  const std::size_t n = std::min(size, engine.input_end() - engine.in_pos_);
  if (n == 0) {
    return MBEDTLS_ERR_SSL_WANT_READ;
  }
  std::memcpy(data, engine.in_.data() + engine.in_pos_, n);
  engine.in_pos_ += n;
  if (!engine.handshake_done_) {
    engine.handshake_bytes_in_ += n;
  }
  return static_cast<int>(n);
}

std::string Engine::cipher_suite() const {
  const char* name = set_up_ ? mbedtls_ssl_get_ciphersuite(&ssl_) : nullptr;
  return name ? name : "";
}

std::string Engine::alpn_protocol() const {
  const char* name = set_up_ ? mbedtls_ssl_get_alpn_protocol(&ssl_) : nullptr;
  return name ? name : "";
}

}  // namespace iotgw::bridge::tls
