// One TLS client session driven through memory: mbedTLS never touches a socket
// and never blocks. Ciphertext from the peer goes in through input_space() and
// commit_input(), ciphertext for the peer comes out of take_output(), and each
// step (handshake, read, write, close_notify) says what must happen next: wait
// for more input and step again, or finish. Moving the bytes, and any timer,
// is the I/O layer's work (bridge/tls/io/stream.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <mbedtls/ssl.h>

#include "bridge/tls/context.hpp"
#include "bridge/tls/error.hpp"

namespace iotgw::bridge::tls {

// A step that did not fail: it needs more input from the peer before it can be
// taken again, or it finished, having moved `bytes` of plaintext.
struct Progress {
  bool need_input = false;
  std::size_t bytes = 0;
};

// A step's outcome. Errors are in the categories of bridge/tls/error.hpp, whose
// messages say all there is to say, so there is no detail to add. Output a
// step produced must be sent whatever its outcome: it may be an alert.
using StepResult = boost::system::result<Progress>;

class Engine {
 public:
  explicit Engine(std::shared_ptr<TlsContext> context);
  // mbedTLS keeps a pointer to the engine for its input and output, so an
  // engine never moves: whoever needs a movable handle keeps it on the heap.
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  ~Engine();

  // Advances the client handshake as far as the input allows; the first call
  // binds the session to the context (server name, session to resume).
  StepResult handshake_step();
  // Ends the handshake with its final outcome, which may be an I/O failure:
  // keeps the session for the next connection or drops the one offered, logs.
  // Returns `ec`.
  boost::system::error_code finish_handshake(boost::system::error_code ec);
  // Decrypts into `plaintext`; the peer's close_notify is Errc::peer_closed.
  StepResult read(std::span<unsigned char> plaintext);
  // Encrypts at most one record's worth of `plaintext`.
  StepResult write(std::span<const unsigned char> plaintext);
  // Produces close_notify; before a handshake there is no session to close.
  StepResult close_notify();

  // Where the next ciphertext from the peer goes; the bytes received there are
  // committed with commit_input before the next step. Input already buffered
  // stays readable by a step taken in between.
  std::span<unsigned char> input_space();
  void commit_input(std::size_t n);

  // Ciphertext produced for the peer and not yet taken, handed over in `spare`
  // (cleared first) so that the two buffers keep their capacity.
  std::vector<unsigned char> take_output(std::vector<unsigned char> spare = {});
  // All ciphertext ever produced, so that a step can tell when its own output is out.
  std::uint64_t produced() const { return produced_; }

  bool handshake_done() const { return handshake_done_; }
  // After a handshake: whether the server resumed the session offered, and what was negotiated.
  bool session_resumed() const { return resumed_; }
  std::string cipher_suite() const;
  std::string alpn_protocol() const;
  // Ciphertext exchanged during the handshake, a resumed one being much shorter.
  std::uint64_t handshake_bytes_received() const { return handshake_bytes_in_; }
  std::uint64_t handshake_bytes_sent() const { return handshake_bytes_out_; }

 private:
  static int bio_send(void* self, const unsigned char* data, std::size_t size);
  static int bio_recv(void* self, unsigned char* data, std::size_t size);
  boost::system::error_code setup();
  boost::system::error_code translate(int ret) const;
  std::size_t input_end() const;
  void drop_consumed_input();

  std::shared_ptr<TlsContext> context_;
  mbedtls_ssl_context ssl_;
  bool set_up_ = false;
  bool handshake_started_ = false;
  bool handshake_done_ = false;
  bool offered_session_ = false;
  bool saw_key_exchange_ = false;
  bool resumed_ = false;
  std::uint64_t handshake_bytes_in_ = 0;
  std::uint64_t handshake_bytes_out_ = 0;

  std::vector<unsigned char> in_;  // received, not yet taken by mbedTLS: [in_pos_, input_end())
  std::size_t in_pos_ = 0;
  std::size_t in_reserved_ = 0;  // bytes of in_ that hold data while input_space is lent out
  bool receiving_ = false;

  std::vector<unsigned char> out_;  // produced by mbedTLS, not yet taken
  std::uint64_t produced_ = 0;
};

}  // namespace iotgw::bridge::tls
