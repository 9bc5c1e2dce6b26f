// An asynchronous TLS client stream over a TCP socket, around the in-memory
// TLS engine of bridge/tls/engine.hpp: when the engine needs input the stream
// reads the socket asynchronously; when it has produced output the stream
// writes that out before the operation completes.
//
// TlsStream models Asio's AsyncReadStream and AsyncWriteStream, so
// boost::asio::async_read/async_write and any completion token (callbacks,
// use_awaitable, deferred) work with it. As with a socket, at most one read and
// one write may be outstanding at a time; they may run concurrently. All
// operations of one stream must run on one thread (or one strand), the io
// thread of the runtime model, because they share the engine.
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

#include "bridge/tls/context.hpp"
#include "bridge/tls/engine.hpp"
#include "bridge/tls/error.hpp"

namespace iotgw::bridge::tls::io {

namespace detail {

// The state of one connection, on the heap so that the engine, whose address
// mbedTLS keeps for its input and output, stays put when the TlsStream object
// moves, and shared with the operations in flight so they never outlive it.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<TlsContext> context, boost::asio::ip::tcp::socket socket);

  boost::asio::ip::tcp::socket socket;
  Engine engine;

  // The handshake's deadline: on expiry the socket's pending operations are
  // cancelled, and io_error reports that cancel as a timeout.
  void start_handshake_timer(std::chrono::steady_clock::duration timeout);
  void stop_handshake_timer() { handshake_timer_.cancel(); }
  // A socket error as callers see it: EOF is a truncation, a cancel by the deadline a timeout.
  boost::system::error_code io_error(boost::system::error_code ec) const;

  // Output: the engine's ciphertext written to the socket so far, as a running
  // total to compare with Engine::produced(), so that an operation can wait
  // for its own bytes to be written.
  std::uint64_t flushed() const { return flushed_; }
  bool writing() const { return writing_; }
  const boost::system::error_code& write_error() const { return write_error_; }
  boost::asio::const_buffer begin_write();
  void end_write(boost::system::error_code ec);
  // Operations whose output is being written by another operation wait here.
  boost::asio::steady_timer& write_gate() { return write_gate_; }

  // Closes the socket and stops the timers: every pending operation completes.
  void cancel();

 private:
  std::vector<unsigned char> sending_;  // being written to the socket now
  std::uint64_t flushed_ = 0;
  bool writing_ = false;
  boost::system::error_code write_error_;
  bool timed_out_ = false;

  boost::asio::steady_timer write_gate_;
  boost::asio::steady_timer handshake_timer_;
};

// An error as the stream's callers see it: the peer's close_notify is the end of the stream.
boost::system::error_code stream_error(boost::system::error_code ec);

// Drives one operation to completion: takes the step, writes out what the
// engine produced (waiting for another operation's write to finish if one is
// under way), reads the socket when the engine needs input, and completes
// exactly once, never from inside the initiating function.
template <typename Step, bool WithSize>
class IoOp {
 public:
  IoOp(std::shared_ptr<Connection> connection, Step step)
      : connection_(std::move(connection)), step_(std::move(step)) {}

  template <typename Self>
  void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0) {
    switch (state_) {
      case State::start:
        break;
      case State::after_read:
        connection_->engine.commit_input(n);
        if (ec) {
          return finish(self, connection_->io_error(ec), 0);
        }
        break;
      case State::after_write:
        connection_->end_write(ec);
        return flush_then_continue(self);
      case State::after_wait:
        return flush_then_continue(self);
      case State::after_post:
        return complete(self);
    }
    step_result_ = step_(*connection_);
    flush_target_ = connection_->engine.produced();
    flush_then_continue(self);
  }

 private:
  enum class State { start, after_read, after_write, after_wait, after_post };

  // Writes this operation's output, then acts on the step's result.
  template <typename Self>
  void flush_then_continue(Self& self) {
    if (connection_->write_error()) {
      return finish(self, connection_->io_error(connection_->write_error()), 0);
    }
    if (connection_->flushed() < flush_target_) {
      went_async_ = true;
      if (!connection_->writing()) {
        state_ = State::after_write;
        return boost::asio::async_write(connection_->socket, connection_->begin_write(),
                                        std::move(self));
      }
      state_ = State::after_wait;
      return connection_->write_gate().async_wait(std::move(self));
    }
    if (!step_result_) {
      return finish(self, step_result_.error(), 0);
    }
    if (step_result_->need_input) {
      went_async_ = true;
      state_ = State::after_read;
      const auto space = connection_->engine.input_space();
      return connection_->socket.async_read_some(boost::asio::buffer(space.data(), space.size()),
                                                 std::move(self));
    }
    finish(self, {}, step_result_->bytes);
  }

  template <typename Self>
  void finish(Self& self, boost::system::error_code ec, std::size_t n) {
    error_ = step_.done(*connection_, stream_error(ec));
    bytes_ = error_ ? 0 : n;
    if (!went_async_) {
      // Asio's contract: a handler is never invoked from the initiating function.
      state_ = State::after_post;
      return boost::asio::post(connection_->socket.get_executor(), std::move(self));
    }
    complete(self);
  }

  template <typename Self>
  void complete(Self& self) {
    if constexpr (WithSize) {
      self.complete(error_, bytes_);
    } else {
      self.complete(error_);
    }
  }

  std::shared_ptr<Connection> connection_;
  Step step_;
  StepResult step_result_;
  std::uint64_t flush_target_ = 0;
  boost::system::error_code error_;
  std::size_t bytes_ = 0;
  State state_ = State::start;
  bool went_async_ = false;
};

// The handshake's first step also starts its deadline.
struct HandshakeStep {
  std::chrono::steady_clock::duration timeout;
  bool timer_started = false;
  StepResult operator()(Connection& connection) {
    if (!timer_started) {
      timer_started = true;
      connection.start_handshake_timer(timeout);
    }
    return connection.engine.handshake_step();
  }
  boost::system::error_code done(Connection& connection, boost::system::error_code ec) const {
    connection.stop_handshake_timer();
    return connection.engine.finish_handshake(ec);
  }
};

struct ReadStep {
  boost::asio::mutable_buffer buffer;
  StepResult operator()(Connection& connection) const {
    return connection.engine.read({static_cast<unsigned char*>(buffer.data()), buffer.size()});
  }
  boost::system::error_code done(Connection&, boost::system::error_code ec) const { return ec; }
};

struct WriteStep {
  boost::asio::const_buffer buffer;
  StepResult operator()(Connection& connection) const {
    return connection.engine.write(
        {static_cast<const unsigned char*>(buffer.data()), buffer.size()});
  }
  boost::system::error_code done(Connection&, boost::system::error_code ec) const { return ec; }
};

struct ShutdownStep {
  StepResult operator()(Connection& connection) const { return connection.engine.close_notify(); }
  boost::system::error_code done(Connection& connection, boost::system::error_code ec) const {
    // close_notify is out: tell the peer no more bytes follow. Waiting for its
    // close_notify in return could hang on a broker that never sends one.
    boost::system::error_code ignored;
    connection.socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
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

  executor_type get_executor() { return connection_->socket.get_executor(); }
  next_layer_type& next_layer() { return connection_->socket; }
  lowest_layer_type& lowest_layer() { return connection_->socket.lowest_layer(); }

  // Performs the client handshake, verifying the server as the context says;
  // completes with Errc::handshake_timeout if it takes longer than `timeout`.
  // Signature: void(boost::system::error_code).
  template <typename Token>
  auto async_handshake(std::chrono::steady_clock::duration timeout, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code)>(
        detail::IoOp<detail::HandshakeStep, false>(connection_, {timeout}), token,
        connection_->socket);
  }

  // Reads decrypted bytes into the first non-empty buffer. A close_notify from
  // the peer completes with boost::asio::error::eof, a TCP close without it with
  // Errc::stream_truncated. Signature: void(boost::system::error_code, std::size_t).
  template <typename MutableBufferSequence, typename Token>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
    auto buffer = detail::first_buffer<boost::asio::mutable_buffer>(buffers);
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        detail::IoOp<detail::ReadStep, true>(connection_, {buffer}), token, connection_->socket);
  }

  // Encrypts and sends bytes from the first non-empty buffer (at most one TLS
  // record); completes once they are on the socket.
  // Signature: void(boost::system::error_code, std::size_t).
  template <typename ConstBufferSequence, typename Token>
  auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
    auto buffer = detail::first_buffer<boost::asio::const_buffer>(buffers);
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        detail::IoOp<detail::WriteStep, true>(connection_, {buffer}), token, connection_->socket);
  }

  // Sends close_notify and shuts down the sending side of the socket; does not
  // wait for the peer's close_notify. Signature: void(boost::system::error_code).
  template <typename Token>
  auto async_shutdown(Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code)>(
        detail::IoOp<detail::ShutdownStep, false>(connection_, {}), token, connection_->socket);
  }

  // Ends the connection at once: the socket closes and every pending operation
  // completes with an error.
  void close() { connection_->cancel(); }

  // After a handshake: whether the server resumed the session offered from the
  // previous connection, and what was negotiated.
  bool session_resumed() const { return connection_->engine.session_resumed(); }
  std::string cipher_suite() const { return connection_->engine.cipher_suite(); }
  std::string alpn_protocol() const { return connection_->engine.alpn_protocol(); }
  // Bytes exchanged during the handshake, a resumed one being much shorter.
  std::uint64_t handshake_bytes_received() const {
    return connection_->engine.handshake_bytes_received();
  }
  std::uint64_t handshake_bytes_sent() const { return connection_->engine.handshake_bytes_sent(); }

 private:
  std::shared_ptr<detail::Connection> connection_;
};

}  // namespace iotgw::bridge::tls::io
