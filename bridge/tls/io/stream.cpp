#include "bridge/tls/io/stream.hpp"

#include <boost/asio/error.hpp>

namespace iotgw::bridge::tls::io {
namespace detail {

Connection::Connection(std::shared_ptr<TlsContext> context, boost::asio::ip::tcp::socket tcp)
    : socket(std::move(tcp)),
      engine(std::move(context)),
      write_gate_(socket.get_executor(), boost::asio::steady_timer::time_point::max()),
      handshake_timer_(socket.get_executor()) {}

void Connection::start_handshake_timer(std::chrono::steady_clock::duration timeout) {
  handshake_timer_.expires_after(timeout);
  handshake_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (ec) {
      return;
    }
    if (auto connection = weak.lock(); connection && !connection->engine.handshake_done()) {
      connection->timed_out_ = true;
      boost::system::error_code ignored;
      connection->socket.cancel(ignored);
    }
  });
}

boost::system::error_code Connection::io_error(boost::system::error_code ec) const {
  if (ec == boost::asio::error::eof) {
    return Errc::stream_truncated;
  }
  if (timed_out_ && !engine.handshake_done() && ec == boost::asio::error::operation_aborted) {
    return Errc::handshake_timeout;
  }
  return ec;
}

boost::asio::const_buffer Connection::begin_write() {
  sending_ = engine.take_output(std::move(sending_));
  writing_ = true;
  return boost::asio::buffer(sending_);
}

// Records the write's result and wakes every operation waiting for output to drain.
void Connection::end_write(boost::system::error_code ec) {
  writing_ = false;
  if (ec) {
    write_error_ = ec;
  } else {
    flushed_ += sending_.size();
  }
  sending_.clear();
  write_gate_.cancel();
}

void Connection::cancel() {
  boost::system::error_code ignored;
  socket.close(ignored);
  handshake_timer_.cancel();
  write_gate_.cancel();
}

boost::system::error_code stream_error(boost::system::error_code ec) {
  if (ec == Errc::peer_closed) {
    return boost::asio::error::eof;
  }
  return ec;
}

}  // namespace detail

TlsStream::TlsStream(std::shared_ptr<TlsContext> context, boost::asio::ip::tcp::socket socket)
    : connection_(std::make_shared<detail::Connection>(std::move(context), std::move(socket))) {}

TlsStream::TlsStream(std::shared_ptr<TlsContext> context, const executor_type& executor)
    : TlsStream(std::move(context), boost::asio::ip::tcp::socket(executor)) {}

TlsStream& TlsStream::operator=(TlsStream&& other) noexcept {
  if (this != &other) {
    if (connection_) {
      connection_->cancel();
    }
    connection_ = std::move(other.connection_);
  }
  return *this;
}

// A stream that goes away ends its connection; operations still pending complete
// with operation_aborted and release the connection state afterwards.
TlsStream::~TlsStream() {
  if (connection_) {
    connection_->cancel();
  }
}

}  // namespace iotgw::bridge::tls::io
