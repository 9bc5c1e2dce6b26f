#include "gateway/http_server.hpp"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <fstream>
#include <iterator>
#include <limits>
#include <list>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace iotgw::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using boost::system::error_code;

namespace detail {

// What the server and its coroutines share: the coroutines keep it alive, so
// that the server can be destroyed while the io_context still holds them.
struct HttpServerState {
  HttpServerState(asio::io_context& io, tcp::endpoint at_, std::optional<std::string> token_,
                  HttpServer::Handler handler_, HttpLimits limits_)
      : at(at_),
        acceptor(io),
        pause(io),
        token(std::move(token_)),
        handler(std::move(handler_)),
        limits(limits_) {}

  tcp::endpoint at;
  tcp::acceptor acceptor;
  asio::steady_timer pause;  // after an accept failed
  std::optional<std::string> token;
  HttpServer::Handler handler;
  HttpLimits limits;
  HttpServer::Counters counters;
  std::list<beast::tcp_stream> open;  // one per connection, erased when it ends
  bool started = false;
  bool stopped = false;
};

}  // namespace detail

namespace {

using detail::HttpServerState;
using Connections = std::list<beast::tcp_stream>;

// Bytes the read buffer takes beyond max_header_bytes: enough that the parser
// (not the buffer) reports a header that is too long, and for the start of a
// pipelined request.
constexpr std::size_t read_slack = 1024;
// After a response that ends the connection, what the peer still sends is
// read and dropped for at most this long, and this many bytes.
constexpr std::chrono::seconds linger_time{2};
constexpr std::size_t linger_bytes = 64 * 1024;
constexpr std::size_t linger_chunk = 4096;
// An accept that failed (out of descriptors, of memory) is tried again after
// this, rather than at once in a busy loop.
constexpr std::chrono::milliseconds accept_pause{100};

constexpr std::string_view content_security_policy =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

std::string_view std_view(beast::string_view text) {
  return {text.data(), text.size()};
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// Whether `given` is `expected`, in a time that depends on the length of
// `expected` only: a peer cannot find the token a byte at a time.
bool same_secret(std::string_view expected, std::string_view given) {
  unsigned difference = expected.size() == given.size() ? 0U : 1U;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const char other = i < given.size() ? given[i] : '\0';
    difference |= static_cast<unsigned char>(expected[i] ^ other);
  }
  return difference == 0;
}

// The credentials of an Authorization value of the Bearer scheme (RFC 6750
// 2.1; the scheme's name is case-insensitive, RFC 9110 11.1), else nothing.
std::optional<std::string_view> bearer_token(std::string_view value) {
  constexpr std::string_view scheme = "bearer";
  if (value.size() <= scheme.size() ||
      !equal_ignoring_case(value.substr(0, scheme.size()), scheme) || value[scheme.size()] != ' ') {
    return std::nullopt;
  }
  return trimmed(value.substr(scheme.size()));
}

// Whether the media type of a Content-Type value is text/html.
bool is_html(std::string_view content_type) {
  return equal_ignoring_case(trimmed(content_type.substr(0, content_type.find(';'))), "text/html");
}

// Whether a handler's status can be sent with the body and Content-Length
// that every response has (RFC 9110 8.6: not 1xx, 204 or 304).
bool sendable(unsigned status) {
  return status >= 200 && status <= 599 && status != 204 && status != 304;
}

// What the server answers to one request, before it is put on the wire.
struct Answer {
  HttpServer::Response response;
  bool close = false;    // the request was not read whole, or cannot be trusted
  bool refused = false;  // a 4xx of the server's own
  http::field extra = http::field::unknown;
  std::string_view extra_value;
};

Answer refusal(unsigned status, std::string_view text, bool close) {
  Answer answer;
  answer.response = {status, "text/plain; charset=utf-8", std::string(text) + "\n"};
  answer.close = close;
  answer.refused = true;
  return answer;
}

// The answer to a read that failed with `error`, if it calls for one: a
// header too long (431) or not HTTP (400). A peer that closed or stalled,
// and a socket error, get none.
std::optional<Answer> answer_to_failed_read(const error_code& error) {
  if (error.category() != make_error_code(http::error::bad_method).category() ||
      error == http::error::end_of_stream || error == http::error::partial_message) {
    return std::nullopt;
  }
  if (error == http::error::header_limit || error == http::error::buffer_overflow) {
    return refusal(431, "request header fields too large", true);
  }
  return refusal(400, "bad request", true);
}

// The handler's answer, or 500 when it throws or gives a status that cannot
// be sent.
Answer ask_handler(const HttpServer::Handler& handler, std::string_view path) {
  Answer answer;
  try {
    answer.response = handler(path);
  } catch (...) {
    answer.response = {500, "text/plain; charset=utf-8", "internal server error\n"};
    return answer;
  }
  if (!sendable(answer.response.status)) {
    answer.response = {500, "text/plain; charset=utf-8", "internal server error\n"};
  }
  return answer;
}

// The answer to a request whose header was read whole, checked in this
// order: its size in fields, the version (HTTP/1.x), no body, the method,
// the target (origin-form), the token.
Answer answer_request(const HttpServerState& state,
                      const http::request_parser<http::empty_body>& parser) {
  const http::request<http::empty_body>& request = parser.get();
  const auto fields = static_cast<std::size_t>(std::distance(request.begin(), request.end()));
  if (fields > state.limits.max_header_fields) {
    return refusal(431, "request header fields too large", true);
  }
  if (request.version() != 10 && request.version() != 11) {
    return refusal(400, "bad request", true);
  }
  const auto length = parser.content_length();
  if (request.count(http::field::transfer_encoding) > 0 || (length && *length > 0)) {
    return refusal(413, "content too large", true);
  }
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    Answer answer = refusal(405, "method not allowed", false);
    answer.extra = http::field::allow;
    answer.extra_value = "GET, HEAD";
    return answer;
  }
  const std::string_view target = std_view(request.target());
  if (target.empty() || target.front() != '/') {
    return refusal(400, "bad request", true);
  }
  if (state.token && !state.token->empty()) {
    const std::optional<std::string_view> given =
        bearer_token(std_view(request[http::field::authorization]));
    // The comparison runs whether or not the scheme was right.
    const bool matches = same_secret(*state.token, given.value_or(std::string_view{}));
    if (!given || !matches) {
      Answer answer = refusal(401, "unauthorized", false);
      answer.extra = http::field::www_authenticate;
      answer.extra_value = "Bearer realm=\"iotgw\"";
      return answer;
    }
  }
  return ask_handler(state.handler, target.substr(0, target.find('?')));
}

// The answer as sent: the headers every response has, and no body for HEAD.
http::response<http::string_body> wire_response(Answer answer, unsigned version, bool head,
                                                bool keep_alive) {
  http::response<http::string_body> response;
  response.version(version);
  response.result(answer.response.status);
  if (!answer.response.content_type.empty()) {
    response.set(http::field::content_type, answer.response.content_type);
  }
  response.set(http::field::cache_control, "no-store");
  response.set("X-Content-Type-Options", "nosniff");
  if (is_html(answer.response.content_type)) {
    response.set("Content-Security-Policy", content_security_policy);
  }
  if (answer.extra != http::field::unknown) {
    response.set(answer.extra, answer.extra_value);
  }
  response.content_length(answer.response.body.size());
  if (!head) {
    response.body() = std::move(answer.response.body);
  }
  response.keep_alive(keep_alive);
  return response;
}

// Ends a connection after a response that closes it: nothing more is sent,
// and what the peer still sends (the rest of a refused request) is read and
// dropped for a short while, so that closing with unread bytes does not
// reset the connection before the peer read the response (RFC 9112 9.6).
asio::awaitable<void> linger(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                             std::chrono::seconds idle) {
  error_code error;
  stream.socket().shutdown(tcp::socket::shutdown_send, error);
  stream.expires_after(std::min<std::chrono::steady_clock::duration>(idle, linger_time));
  std::size_t drained = 0;
  while (!error && drained < linger_bytes) {
    buffer.clear();
    drained +=
        co_await stream.async_read_some(buffer.prepare(std::min(buffer.max_size(), linger_chunk)),
                                        asio::redirect_error(asio::use_awaitable, error));
  }
  stream.close();
}

// One connection: requests read and answered in turn until the peer closes,
// stalls, sends what ends it, or the server stops.
asio::awaitable<void> serve(std::shared_ptr<HttpServerState> state, Connections::iterator at) {
  // The connection's slot is freed however the coroutine ends.
  struct Slot {
    HttpServerState& state;
    Connections::iterator at;
    ~Slot() { state.open.erase(at); }
  } const slot{*state, at};
  beast::tcp_stream& stream = *at;
  beast::flat_buffer buffer(state->limits.max_header_bytes + read_slack);
  while (!state->stopped) {
    http::request_parser<http::empty_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(
        state->limits.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    error_code error;
    stream.expires_after(state->limits.idle);
    co_await http::async_read_header(stream, buffer, parser,
                                     asio::redirect_error(asio::use_awaitable, error));
    if (state->stopped) {
      co_return;
    }
    std::optional<Answer> answer =
        error ? answer_to_failed_read(error) : answer_request(*state, parser);
    if (!answer) {
      co_return;
    }
    ++state->counters.requests;
    if (answer->refused) {
      ++state->counters.refused;
    }
    const http::request<http::empty_body>& request = parser.get();
    const bool head = !error && request.method() == http::verb::head;
    const unsigned version = !error && request.version() == 10 ? 10 : 11;
    const bool keep_alive = !error && !answer->close && parser.keep_alive();
    http::response<http::string_body> response =
        wire_response(std::move(*answer), version, head, keep_alive);
    stream.expires_after(state->limits.idle);
    co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, error));
    if (error || state->stopped) {
      co_return;
    }
    if (!keep_alive) {
      co_await linger(stream, buffer, state->limits.idle);
      co_return;
    }
  }
}

// Accepts connections until the server stops; one beyond max_connections is
// closed at once.
asio::awaitable<void> accept_connections(std::shared_ptr<HttpServerState> state) {
  while (!state->stopped) {
    error_code error;
    tcp::socket socket =
        co_await state->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, error));
    if (state->stopped) {
      co_return;
    }
    if (error) {
      state->pause.expires_after(accept_pause);
      co_await state->pause.async_wait(asio::redirect_error(asio::use_awaitable, error));
      continue;
    }
    if (state->open.size() >= state->limits.max_connections) {
      ++state->counters.rejected_connections;
      socket.close(error);
      continue;
    }
    // Each response is one write, and the next may follow before the peer
    // acknowledged it (pipelined requests): no waiting for that (Nagle).
    socket.set_option(tcp::no_delay(true), error);
    const auto at = state->open.emplace(state->open.end(), std::move(socket));
    asio::co_spawn(state->acceptor.get_executor(), serve(state, at), [](std::exception_ptr) {});
  }
}

}  // namespace

HttpServer::HttpServer(asio::io_context& io, tcp::endpoint at, std::optional<std::string> token,
                       Handler handler, Limits limits)
    : state_(std::make_shared<detail::HttpServerState>(io, at, std::move(token), std::move(handler),
                                                       limits)) {}

HttpServer::~HttpServer() {
  stop();
}

error_code HttpServer::start() {
  detail::HttpServerState& state = *state_;
  if (state.started || state.stopped) {
    return asio::error::already_started;
  }
  error_code error;
  state.acceptor.open(state.at.protocol(), error);
  if (!error) {
    state.acceptor.set_option(tcp::acceptor::reuse_address(true), error);
  }
  if (!error) {
    state.acceptor.bind(state.at, error);
  }
  if (!error) {
    state.acceptor.listen(asio::socket_base::max_listen_connections, error);
  }
  if (error) {
    error_code ignored;
    state.acceptor.close(ignored);
    return error;
  }
  state.started = true;
  asio::co_spawn(state.acceptor.get_executor(), accept_connections(state_),
                 [](std::exception_ptr) {});
  return {};
}

tcp::endpoint HttpServer::local_endpoint() const {
  error_code error;
  tcp::endpoint at = state_->acceptor.local_endpoint(error);
  return error ? tcp::endpoint{} : at;
}

void HttpServer::stop() {
  detail::HttpServerState& state = *state_;
  state.stopped = true;
  error_code ignored;
  state.acceptor.close(ignored);
  state.pause.cancel();
  for (beast::tcp_stream& stream : state.open) {
    stream.close();
  }
}

const HttpServer::Counters& HttpServer::counters() const {
  return state_->counters;
}

std::size_t HttpServer::connections() const {
  return state_->open.size();
}

std::optional<std::string> read_token_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string token;
  if (!in || !std::getline(in, token)) {
    return std::nullopt;
  }
  const auto first = token.find_first_not_of(" \t\r");
  const auto last = token.find_last_not_of(" \t\r");
  return first == std::string::npos ? std::string() : token.substr(first, last - first + 1);
}

}  // namespace iotgw::gateway
