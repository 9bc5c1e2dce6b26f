#include "bridge/tls/io/stream.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include <boost/asio/error.hpp>
#include <spdlog/spdlog.h>

namespace iotgw::bridge::tls::io {
namespace detail {
namespace {

// One socket read: a full TLS record (16 KiB of plaintext plus overhead) fits.
constexpr std::size_t read_chunk = 17 * 1024;

}  // namespace

Core::Core(std::shared_ptr<TlsContext> context, boost::asio::ip::tcp::socket tcp)
    : socket(std::move(tcp)),
      context_(std::move(context)),
      write_gate_(socket.get_executor(), boost::asio::steady_timer::time_point::max()),
      handshake_timer_(socket.get_executor()) {
  mbedtls_ssl_init(&ssl_);
}

Core::~Core() {
  mbedtls_ssl_free(&ssl_);
}

// Binds this connection to the shared configuration, the host name to verify,
// our buffers and the session kept from the previous connection.
boost::system::error_code Core::setup() {
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
  mbedtls_ssl_set_bio(&ssl_, this, &Core::bio_send, &Core::bio_recv, nullptr);
  offered_session_ = context_->offer_session(ssl_);
  if (!context_->verifies_peer()) {
    spdlog::warn(
        "TLS: server certificate verification is OFF (mqtt.tls.insecure_skip_verify = true): "
        "the connection to {} is encrypted but not authenticated",
        name.empty() ? std::string("the broker") : name);
  }
  return {};
}

// Arms the deadline; on expiry it cancels the socket, which ends the handshake's
// pending read or write, and io_error turns that cancel into a timeout.
void Core::start_handshake_timer(std::chrono::steady_clock::duration timeout) {
  handshake_timer_.expires_after(timeout);
  handshake_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (ec) {
      return;
    }
    if (auto core = weak.lock(); core && !core->handshake_done_) {
      core->timed_out_ = true;
      boost::system::error_code ignored;
      core->socket.cancel(ignored);
    }
  });
}

// Advances the handshake state machine as far as the buffered input allows.
// Steps one state at a time to see whether the server sent a key exchange,
// which a resumed handshake skips.
Outcome Core::handshake_step(std::chrono::steady_clock::duration timeout) {
  if (!handshake_started_) {
    handshake_started_ = true;
    if (auto ec = setup()) {
      return {false, ec, 0};
    }
    start_handshake_timer(timeout);
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
    return {true, {}, 0};
  }
  return {false, translate(ret), 0};
}

boost::system::error_code Core::finish_handshake(boost::system::error_code ec) {
  handshake_timer_.cancel();
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

// Decrypts into `buffer`. mbedTLS may also consume records that carry no data
// (a ticket, a warning alert) and ask for more; while bytes are still buffered
// it is called again rather than waiting on the socket for data already here.
Outcome Core::read_step(boost::asio::mutable_buffer buffer) {
  if (!handshake_done_) {
    return {false, Errc::not_connected, 0};
  }
  if (buffer.size() == 0) {
    return {};
  }
  for (int attempt = 0;; ++attempt) {
    int ret = mbedtls_ssl_read(&ssl_, static_cast<unsigned char*>(buffer.data()), buffer.size());
    if (ret > 0) {
      return {false, {}, static_cast<std::size_t>(ret)};
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_READ) {
      if (input_pending() && attempt < 16) {
        continue;
      }
      return {true, {}, 0};
    }
    if (ret == 0) {
      return {false, Errc::stream_truncated, 0};
    }
    return {false, translate(ret), 0};
  }
}

// Encrypts one record's worth of `buffer` into the output buffer.
Outcome Core::write_step(boost::asio::const_buffer buffer) {
  if (!handshake_done_) {
    return {false, Errc::not_connected, 0};
  }
  if (buffer.size() == 0) {
    return {};
  }
  int ret =
      mbedtls_ssl_write(&ssl_, static_cast<const unsigned char*>(buffer.data()), buffer.size());
  if (ret >= 0) {
    return {false, {}, static_cast<std::size_t>(ret)};
  }
  return {false, translate(ret), 0};
}

// Queues close_notify; before a handshake there is no TLS session to close.
Outcome Core::shutdown_step() {
  if (!handshake_done_) {
    return {};
  }
  int ret = mbedtls_ssl_close_notify(&ssl_);
  return {false, ret < 0 ? translate(ret) : boost::system::error_code(), 0};
}

// Turns an mbedTLS failure into the most specific error value available.
boost::system::error_code Core::translate(int ret) const {
  switch (ret) {
    case 0:
      return {};
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
      return boost::asio::error::eof;
    default:
      break;
  }
  return mbedtls_error(ret);
}

boost::asio::mutable_buffer Core::input_space() {
  if (in_pos_ == in_.size()) {
    in_.clear();
    in_pos_ = 0;
  } else if (in_pos_ > 0) {
    in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(in_pos_));
    in_pos_ = 0;
  }
  in_reserved_ = in_.size();
  in_.resize(in_reserved_ + read_chunk);
  reading_ = true;
  return boost::asio::buffer(in_.data() + in_reserved_, read_chunk);
}

void Core::commit_input(std::size_t n) {
  in_.resize(in_reserved_ + n);
  reading_ = false;
}

boost::system::error_code Core::io_error(boost::system::error_code ec) const {
  if (ec == boost::asio::error::eof) {
    return Errc::stream_truncated;
  }
  if (timed_out_ && !handshake_done_ && ec == boost::asio::error::operation_aborted) {
    return Errc::handshake_timeout;
  }
  return ec;
}

bool Core::input_pending() const {
  return in_pos_ < (reading_ ? in_reserved_ : in_.size());
}

boost::asio::const_buffer Core::begin_write() {
  sending_.clear();
  std::swap(out_, sending_);
  writing_ = true;
  return boost::asio::buffer(sending_);
}

// Records the write's result and wakes every operation waiting for output to drain.
void Core::end_write(boost::system::error_code ec) {
  writing_ = false;
  if (ec) {
    write_error_ = ec;
  } else {
    flushed_ += sending_.size();
  }
  sending_.clear();
  write_gate_.cancel();
}

// mbedTLS output: kept in memory and written by the operation that produced it.
int Core::bio_send(void* self, const unsigned char* data, std::size_t size) {
  auto& core = *static_cast<Core*>(self);
  core.out_.insert(core.out_.end(), data, data + size);
  core.produced_ += size;
  if (!core.handshake_done_) {
    core.handshake_bytes_out_ += size;
  }
  return static_cast<int>(size);
}

// mbedTLS input: served from what the socket delivered; "want read" when empty.
int Core::bio_recv(void* self, unsigned char* data, std::size_t size) {
  auto& core = *static_cast<Core*>(self);
  const std::size_t end = core.reading_ ? core.in_reserved_ : core.in_.size();
  const std::size_t n = std::min(size, end - core.in_pos_);
  if (n == 0) {
    return MBEDTLS_ERR_SSL_WANT_READ;
  }
  std::memcpy(data, core.in_.data() + core.in_pos_, n);
  core.in_pos_ += n;
  if (!core.handshake_done_) {
    core.handshake_bytes_in_ += n;
  }
  return static_cast<int>(n);
}

std::string Core::cipher_suite() const {
  const char* name = set_up_ ? mbedtls_ssl_get_ciphersuite(&ssl_) : nullptr;
  return name ? name : "";
}

std::string Core::alpn_protocol() const {
  const char* name = set_up_ ? mbedtls_ssl_get_alpn_protocol(&ssl_) : nullptr;
  return name ? name : "";
}

void Core::cancel() {
  boost::system::error_code ignored;
  socket.close(ignored);
  handshake_timer_.cancel();
  write_gate_.cancel();
}

}  // namespace detail

TlsStream::TlsStream(std::shared_ptr<TlsContext> context, boost::asio::ip::tcp::socket socket)
    : core_(std::make_shared<detail::Core>(std::move(context), std::move(socket))) {}

TlsStream::TlsStream(std::shared_ptr<TlsContext> context, const executor_type& executor)
    : TlsStream(std::move(context), boost::asio::ip::tcp::socket(executor)) {}

TlsStream& TlsStream::operator=(TlsStream&& other) noexcept {
  if (this != &other) {
    if (core_) {
      core_->cancel();
    }
    core_ = std::move(other.core_);
  }
  return *this;
}

// A stream that goes away ends its connection; operations still pending complete
// with operation_aborted and release the connection state afterwards.
TlsStream::~TlsStream() {
  if (core_) {
    core_->cancel();
  }
}

}  // namespace iotgw::bridge::tls::io
