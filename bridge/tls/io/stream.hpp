// An asynchronous TLS client stream over a TCP socket, driven by mbedTLS
// through in-memory buffers: mbedTLS never touches the socket and never blocks.
// When it needs input the stream reads the socket asynchronously; when it has
// produced output the stream writes that out before the operation completes.
//
// TlsStream models Asio's AsyncReadStream and AsyncWriteStream, so
// boost::asio::async_read/async_write and any completion token (callbacks,
// use_awaitable, deferred) work with it. As with a socket, at most one read and
// one write may be outstanding at a time; they may run concurrently. All
// operations of one stream must run on one thread (or one strand), the io
// thread of the runtime model, because they share the mbedTLS context.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/error_code.hpp>
#include <mbedtls/ssl.h>

#include "bridge/tls/context.hpp"
#include "bridge/tls/error.hpp"

namespace iotgw::bridge::tls::io {

namespace detail {

// What one step of an operation asks for next: more input from the socket, or
// completion with an error code and a byte count.
struct Outcome {
  bool need_input = false;
  boost::system::error_code ec;
  std::size_t bytes = 0;
};

// The state of one connection, on the heap so that mbedTLS's pointer to it
// (the BIO context) stays valid when the TlsStream object moves, and shared
// with the operations in flight so they never outlive it.
class Core : public std::enable_shared_from_this<Core> {
 public:
  Core(std::shared_ptr<TlsContext> context, boost::asio::ip::tcp::socket socket);
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;
  ~Core();

  boost::asio::ip::tcp::socket socket;

  // One call into mbedTLS per operation kind; each returns what to do next.
  Outcome handshake_step(std::chrono::steady_clock::duration timeout);
  Outcome read_step(boost::asio::mutable_buffer buffer);
  Outcome write_step(boost::asio::const_buffer buffer);
  Outcome shutdown_step();

  // Ends the handshake: stops the deadline, keeps or drops the session, logs, maps the error.
  boost::system::error_code finish_handshake(boost::system::error_code ec);

  // Input: where the next socket read goes and how much arrived.
  boost::asio::mutable_buffer input_space();
  void commit_input(std::size_t n);
  // A socket error as callers see it: EOF is a truncation, a cancel by the deadline a timeout.
  boost::system::error_code io_error(boost::system::error_code ec) const;

  // Output: bytes mbedTLS produced and bytes written to the socket so far, as
  // running totals, so that an operation can wait for its own bytes to be written.
  std::uint64_t produced() const { return produced_; }
  std::uint64_t flushed() const { return flushed_; }
  bool writing() const { return writing_; }
  const boost::system::error_code& write_error() const { return write_error_; }
  boost::asio::const_buffer begin_write();
  void end_write(boost::system::error_code ec);
  // Operations whose output is being written by another operation wait here.
  boost::asio::steady_timer& write_gate() { return write_gate_; }

  bool session_resumed() const { return resumed_; }
  std::uint64_t handshake_bytes_received() const { return handshake_bytes_in_; }
  std::uint64_t handshake_bytes_sent() const { return handshake_bytes_out_; }
  std::string cipher_suite() const;
  std::string alpn_protocol() const;
  // Closes the socket and stops the timers: every pending operation completes.
  void cancel();

 private:
  static int bio_send(void* self, const unsigned char* data, std::size_t size);
  static int bio_recv(void* self, unsigned char* data, std::size_t size);
  boost::system::error_code setup();
  void start_handshake_timer(std::chrono::steady_clock::duration timeout);
  boost::system::error_code translate(int ret) const;
  bool input_pending() const;

  std::shared_ptr<TlsContext> context_;
  mbedtls_ssl_context ssl_;
  bool set_up_ = false;
  bool handshake_started_ = false;
  bool handshake_done_ = false;
  bool offered_session_ = false;
  bool saw_key_exchange_ = false;
  bool resumed_ = false;
  bool timed_out_ = false;
  std::uint64_t handshake_bytes_in_ = 0;
  std::uint64_t handshake_bytes_out_ = 0;

  std::vector<unsigned char> in_;  // received, not yet taken by mbedTLS: [in_pos_, size)
  std::size_t in_pos_ = 0;
  std::size_t in_reserved_ = 0;  // bytes of in_ that hold data while a socket read is pending
  bool reading_ = false;

  std::vector<unsigned char> out_;      // produced by mbedTLS, not yet handed to the socket
  std::vector<unsigned char> sending_;  // being written to the socket now
  std::uint64_t produced_ = 0;
  std::uint64_t flushed_ = 0;
  bool writing_ = false;
  boost::system::error_code write_error_;

  boost::asio::steady_timer write_gate_;
  boost::asio::steady_timer handshake_timer_;
};

// Drives one operation to completion: calls the step, writes out what mbedTLS
// produced (waiting for another operation's write to finish if one is under
// way), reads the socket when mbedTLS needs input, and completes exactly once,
// never from inside the initiating function.
template <typename Step, bool WithSize>
class IoOp {
 public:
  IoOp(std::shared_ptr<Core> core, Step step) : core_(std::move(core)), step_(std::move(step)) {}

  template <typename Self>
  void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0) {
    switch (state_) {
      case State::start:
        break;
      case State::after_read:
        core_->commit_input(n);
        if (ec) {
          return finish(self, core_->io_error(ec), 0);
        }
        break;
      case State::after_write:
        core_->end_write(ec);
        return flush_then_continue(self);
      case State::after_wait:
        return flush_then_continue(self);
      case State::after_post:
        return complete(self);
    }
    outcome_ = step_(*core_);
    flush_target_ = core_->produced();
    flush_then_continue(self);
  }

 private:
  enum class State { start, after_read, after_write, after_wait, after_post };

  // Writes this operation's output, then acts on the step's outcome.
  template <typename Self>
  void flush_then_continue(Self& self) {
    if (core_->write_error()) {
      return finish(self, core_->io_error(core_->write_error()), 0);
    }
    if (core_->flushed() < flush_target_) {
      went_async_ = true;
      if (!core_->writing()) {
        state_ = State::after_write;
        return boost::asio::async_write(core_->socket, core_->begin_write(), std::move(self));
      }
      state_ = State::after_wait;
      return core_->write_gate().async_wait(std::move(self));
    }
    if (outcome_.need_input) {
      went_async_ = true;
      state_ = State::after_read;
      return core_->socket.async_read_some(core_->input_space(), std::move(self));
    }
    finish(self, outcome_.ec, outcome_.bytes);
  }

  template <typename Self>
  void finish(Self& self, boost::system::error_code ec, std::size_t n) {
    outcome_ = {false, step_.done(*core_, ec), n};
    if (!went_async_) {
      // Asio's contract: a handler is never invoked from the initiating function.
      state_ = State::after_post;
      return boost::asio::post(core_->socket.get_executor(), std::move(self));
    }
    complete(self);
  }

  template <typename Self>
  void complete(Self& self) {
    if constexpr (WithSize) {
      self.complete(outcome_.ec, outcome_.ec ? std::size_t{0} : outcome_.bytes);
    } else {
      self.complete(outcome_.ec);
    }
  }

  std::shared_ptr<Core> core_;
  Step step_;
  Outcome outcome_;
  std::uint64_t flush_target_ = 0;
  State state_ = State::start;
  bool went_async_ = false;
};

struct HandshakeStep {
  std::chrono::steady_clock::duration timeout;
  Outcome operator()(Core& core) const { return core.handshake_step(timeout); }
  boost::system::error_code done(Core& core, boost::system::error_code ec) const {
    return core.finish_handshake(ec);
  }
};

struct ReadStep {
  boost::asio::mutable_buffer buffer;
  Outcome operator()(Core& core) const { return core.read_step(buffer); }
  boost::system::error_code done(Core&, boost::system::error_code ec) const { return ec; }
};

struct WriteStep {
  boost::asio::const_buffer buffer;
  Outcome operator()(Core& core) const { return core.write_step(buffer); }
  boost::system::error_code done(Core&, boost::system::error_code ec) const { return ec; }
};

struct ShutdownStep {
  Outcome operator()(Core& core) const { return core.shutdown_step(); }
  boost::system::error_code done(Core& core, boost::system::error_code ec) const {
    // close_notify is out: tell the peer no more bytes follow. Waiting for its
    // close_notify in return could hang on a broker that never sends one.
    boost::system::error_code ignored;
    core.socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    return ec;
  }
};

// The first non-empty buffer of a sequence, as Asio's own streams transfer.
template <typename Buffer, typename Sequence>
Buffer first_buffer(const Sequence& buffers) {
  for (auto it = boost::asio::buffer_sequence_begin(buffers);
       it != boost::asio::buffer_sequence_end(buffers); ++it) {
    Buffer buffer(*it);
    if (buffer.size() != 0) {
      return buffer;
    }
  }
  return Buffer();
}

}  // namespace detail

class TlsStream {
 public:
  using executor_type = boost::asio::any_io_executor;
  using next_layer_type = boost::asio::ip::tcp::socket;
  using lowest_layer_type = next_layer_type::lowest_layer_type;

  // A stream over a socket that is connected, or will be through next_layer().
  TlsStream(std::shared_ptr<TlsContext> context, boost::asio::ip::tcp::socket socket);
  TlsStream(std::shared_ptr<TlsContext> context, const executor_type& executor);
  TlsStream(TlsStream&&) noexcept = default;
  TlsStream& operator=(TlsStream&& other) noexcept;
  ~TlsStream();

  executor_type get_executor() { return core_->socket.get_executor(); }
  next_layer_type& next_layer() { return core_->socket; }
  lowest_layer_type& lowest_layer() { return core_->socket.lowest_layer(); }

  // Performs the client handshake, verifying the server as the context says;
  // completes with Errc::handshake_timeout if it takes longer than `timeout`.
  // Signature: void(boost::system::error_code).
  template <typename Token>
  auto async_handshake(std::chrono::steady_clock::duration timeout, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code)>(
        detail::IoOp<detail::HandshakeStep, false>(core_, {timeout}), token, core_->socket);
  }

  // Reads decrypted bytes into the first non-empty buffer. A close_notify from
  // the peer completes with boost::asio::error::eof, a TCP close without it with
  // Errc::stream_truncated. Signature: void(boost::system::error_code, std::size_t).
  template <typename MutableBufferSequence, typename Token>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
    auto buffer = detail::first_buffer<boost::asio::mutable_buffer>(buffers);
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        detail::IoOp<detail::ReadStep, true>(core_, {buffer}), token, core_->socket);
  }

  // Encrypts and sends bytes from the first non-empty buffer (at most one TLS
  // record); completes once they are on the socket.
  // Signature: void(boost::system::error_code, std::size_t).
  template <typename ConstBufferSequence, typename Token>
  auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
    auto buffer = detail::first_buffer<boost::asio::const_buffer>(buffers);
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        detail::IoOp<detail::WriteStep, true>(core_, {buffer}), token, core_->socket);
  }

  // Sends close_notify and shuts down the sending side of the socket; does not
  // wait for the peer's close_notify. Signature: void(boost::system::error_code).
  template <typename Token>
  auto async_shutdown(Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code)>(
        detail::IoOp<detail::ShutdownStep, false>(core_, {}), token, core_->socket);
  }

  // Ends the connection at once: the socket closes and every pending operation
  // completes with an error.
  void close() { core_->cancel(); }

  // After a handshake: whether the server resumed the session offered from the
  // previous connection, and what was negotiated.
  bool session_resumed() const { return core_->session_resumed(); }
  std::string cipher_suite() const { return core_->cipher_suite(); }
  std::string alpn_protocol() const { return core_->alpn_protocol(); }
  // Bytes exchanged during the handshake, a resumed one being much shorter.
  std::uint64_t handshake_bytes_received() const { return core_->handshake_bytes_received(); }
  std::uint64_t handshake_bytes_sent() const { return core_->handshake_bytes_sent(); }

 private:
  std::shared_ptr<detail::Core> core_;
};

}  // namespace iotgw::bridge::tls::io
