// A small, read-only HTTP/1.1 server for the gateway's status page, /metrics
// and /api/status, on the caller's io_context (one thread). What a request
// may be is bounded before anything of it reaches the handler: GET or HEAD,
// no body, at most Limits::max_header_bytes of header in at most
// Limits::max_header_fields fields, a bearer token when one is set, and a
// connection idle (or a request arriving slower) than Limits::idle is closed.
// So a peer on the network can neither change anything nor make the gateway
// hold more than Limits::max_connections bounded buffers.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

namespace iotgw::gateway {

namespace detail {
struct HttpServerState;
}  // namespace detail

struct HttpLimits {
  std::size_t max_connections = 16;     // beyond, a new connection is closed at once
  std::size_t max_header_bytes = 8192;  // request line and headers
  std::size_t max_header_fields = 64;
  std::chrono::seconds idle{10};  // a connection idle (or a request slower) than this is closed
};

class HttpServer {
 public:
  // What the handler answers; the server adds the headers every response has
  // (Content-Length, Cache-Control, X-Content-Type-Options, and for text/html
  // a Content-Security-Policy). A status outside 200-599, or one that cannot
  // carry a body (204, 304), is answered with 500.
  struct Response {
    unsigned status = 200;
    std::string content_type;  // empty: no Content-Type
    std::string body;
  };
  // Called for each GET or HEAD that passed the checks, with the path of
  // its target as sent (not percent-decoded) without the query. An exception
  // it throws is answered with 500.
  using Handler = std::function<Response(std::string_view path)>;
  using Limits = HttpLimits;

  // Every 4xx the server answered itself (400, 401, 405, 413, 431) is refused;
  // the handler's answers are not. Every request answered counts in requests.
  struct Counters {
    std::uint64_t requests = 0;
    std::uint64_t refused = 0;
    std::uint64_t rejected_connections = 0;  // closed at once, beyond max_connections
  };

  // With a token (an empty one is as none), every request must carry
  // `Authorization: Bearer <token>`.
  HttpServer(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint at,
             std::optional<std::string> token, Handler handler, Limits limits = {});
  // Stops the server (see stop()).
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds (with SO_REUSEADDR) and listens, and accepts from then on while the
  // io_context runs; the error when it cannot (already_started when called
  // a second time, or after stop()).
  boost::system::error_code start();
  // The address listened on (port 0 asked for: the port chosen); after start.
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  // Closes the listening socket and every connection; the handler is never
  // called again. The server may be destroyed at once after it: what the
  // io_context still holds of it (the closed sockets, their cancelled
  // operations) is freed when the io_context runs those handlers or is
  // destroyed. The io_context must outlive the server, as with any Asio object.
  void stop();

  const Counters& counters() const;
  // Connections open now, those closing (after a refusal) included.
  std::size_t connections() const;

 private:
  // Shared with the coroutines, which may outlive the server (see stop()).
  std::shared_ptr<detail::HttpServerState> state_;
};

// The bearer token of a token file (http.token_file): its first line without
// surrounding blanks, so that an editor's newline or CR does not become part
// of it. Read the same way by the server and by `iotgw status`; empty when the
// file cannot be read.
std::optional<std::string> read_token_file(const std::filesystem::path& file);

}  // namespace iotgw::gateway
