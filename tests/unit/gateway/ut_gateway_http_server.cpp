// The status endpoint's HTTP server on a real loopback socket, driven by a
// client on the same io_context: what it refuses and how (405, 413, 431, 401,
// 400), the headers every response has, keep-alive, the bound on connections
// and on idle or slow peers, and stop(). And the status page itself: one
// document that loads nothing from elsewhere.
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <gtest/gtest.h>

#include "gateway/http_server.hpp"
#include "gateway/status_page.hpp"
#include "tests/support/run_until.hpp"

namespace iotgw::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using boost::system::error_code;
using iotgw::test::run_until;
using namespace std::chrono_literals;

using Response = http::response<http::string_body>;

constexpr std::string_view policy =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

// A request as a client would write it, with `headers` (each ending in CRLF)
// after Host.
std::string request(std::string_view method, std::string_view target,
                    std::string_view headers = "") {
  return std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: gw\r\n" +
         std::string(headers) + "\r\n";
}

std::string field(const Response& response, std::string_view name) {
  const auto value = response[beast::string_view(name.data(), name.size())];
  return std::string(value.data(), value.size());
}

// A client on the test's io_context: each step starts one operation and runs
// the io_context (the server with it) until that operation completes.
class Peer {
 public:
  explicit Peer(asio::io_context& io) : io_(io), socket_(io), timer_(io) {}
  ~Peer() {
    error_code ignored;
    socket_.close(ignored);
    timer_.cancel();
    run_until(
        io_, [this] { return !trickling_; }, 5s);
  }
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  bool connect(const tcp::endpoint& at) {
    begin();
    socket_.async_connect(at, [this](error_code error) { end(error); });
    return finish() && !error_;
  }

  bool send(std::string bytes) {
    out_ = std::move(bytes);
    begin();
    asio::async_write(socket_, asio::buffer(out_),
                      [this](error_code error, std::size_t) { end(error); });
    return finish() && !error_;
  }

  // The next response, or nothing when none came whole within `timeout`.
  std::optional<Response> receive(bool head = false, std::chrono::milliseconds timeout = 10s) {
    parser_.emplace();
    parser_->skip(head);
    begin();
    http::async_read(socket_, buffer_, *parser_,
                     [this](error_code error, std::size_t) { end(error); });
    if (!finish(timeout) || error_) {
      return std::nullopt;
    }
    return parser_->release();
  }

  // Whether the server closed the connection (end of stream, or a reset)
  // within `timeout`, with nothing more sent before.
  bool closed(std::chrono::milliseconds timeout = 10s) {
    if (buffer_.size() > 0) {
      return false;
    }
    begin();
    socket_.async_read_some(asio::buffer(scratch_), [this](error_code error, std::size_t size) {
      received_ = size;
      end(error);
    });
    if (!finish(timeout)) {
      return false;
    }
    return received_ == 0 &&
           (error_ == asio::error::eof || error_ == asio::error::connection_reset);
  }

  // Sends `bytes` one at a time, `every` apart, in the background.
  void trickle(std::string bytes, std::chrono::milliseconds every) {
    slow_ = std::move(bytes);
    trickling_ = true;
    next_byte(0, every);
  }

  void close() {
    error_code ignored;
    socket_.close(ignored);
  }

 private:
  void begin() {
    done_ = false;
    error_ = {};
  }
  void end(error_code error) {
    error_ = error;
    done_ = true;
  }
  // Runs the io_context until the step completes; a step that has not within
  // `timeout` is cancelled, so that no handler of it runs after the step.
  bool finish(std::chrono::milliseconds timeout = 10s) {
    if (run_until(
            io_, [this] { return done_; }, timeout)) {
      return true;
    }
    close();
    run_until(
        io_, [this] { return done_; }, 5s);
    return false;
  }
  void next_byte(std::size_t at, std::chrono::milliseconds every) {
    if (at == slow_.size()) {
      trickling_ = false;
      return;
    }
    asio::async_write(socket_, asio::buffer(slow_.data() + at, 1),
                      [this, at, every](error_code error, std::size_t) {
                        if (error) {
                          trickling_ = false;
                          return;
                        }
                        timer_.expires_after(every);
                        timer_.async_wait([this, at, every](error_code cancelled) {
                          if (cancelled) {
                            trickling_ = false;
                            return;
                          }
                          next_byte(at + 1, every);
                        });
                      });
  }

  asio::io_context& io_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::string out_;
  std::string slow_;
  char scratch_[512] = {};
  std::size_t received_ = 0;
  bool done_ = false;
  bool trickling_ = false;
  error_code error_;
};

class HttpServerTest : public testing::Test {
 protected:
  void start(std::optional<std::string> token = std::nullopt, HttpServer::Limits limits = {}) {
    server_.emplace(
        io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0), std::move(token),
        [this](std::string_view path) { return answer(path); }, limits);
    ASSERT_FALSE(server_->start());
    at_ = server_->local_endpoint();
    ASSERT_NE(at_.port(), 0);
  }

  HttpServer::Response answer(std::string_view path) {
    paths_.emplace_back(path);
    if (path == "/") {
      return {200, "text/html; charset=utf-8", std::string(status_page_html())};
    }
    if (path == "/api/status") {
      return {200, "application/json", R"({"gateway":"gw-1"})"};
    }
    if (path == "/throw") {
      throw std::runtime_error("the handler failed");
    }
    if (path == "/no-content") {
      return {204, "", ""};
    }
    return {404, "text/plain; charset=utf-8", "not found\n"};
  }

  // One request on a connection of its own, and the response.
  std::optional<Response> exchange(std::string text, bool head = false) {
    Peer peer(io_);
    if (!peer.connect(at_) || !peer.send(std::move(text))) {
      return std::nullopt;
    }
    return peer.receive(head);
  }

  asio::io_context io_;
  std::optional<HttpServer> server_;
  tcp::endpoint at_;
  std::vector<std::string> paths_;
};

TEST_F(HttpServerTest, AnswersWithTheHandlersResponseAndTheCommonHeaders) {
  start();
  const auto response = exchange(request("GET", "/api/status?pretty=1"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200U);
  EXPECT_EQ(response->body(), R"({"gateway":"gw-1"})");
  EXPECT_EQ(field(*response, "Content-Type"), "application/json");
  EXPECT_EQ(field(*response, "Content-Length"), "18");
  EXPECT_EQ(field(*response, "Cache-Control"), "no-store");
  EXPECT_EQ(field(*response, "X-Content-Type-Options"), "nosniff");
  // Only HTML gets a policy.
  EXPECT_EQ(field(*response, "Content-Security-Policy"), "");
  // The handler sees the path without the query.
  EXPECT_EQ(paths_, std::vector<std::string>{"/api/status"});
  EXPECT_EQ(server_->counters().requests, 1U);
  EXPECT_EQ(server_->counters().refused, 0U);
}

TEST_F(HttpServerTest, ServesHtmlWithTheContentSecurityPolicy) {
  start();
  const auto response = exchange(request("GET", "/"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200U);
  EXPECT_EQ(field(*response, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(field(*response, "Content-Security-Policy"), policy);
  EXPECT_EQ(field(*response, "Cache-Control"), "no-store");
  EXPECT_EQ(field(*response, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(response->body(), status_page_html());
}

TEST_F(HttpServerTest, HeadHasTheLengthOfGetButNoBody) {
  start();
  Peer peer(io_);
  ASSERT_TRUE(peer.connect(at_));
  ASSERT_TRUE(peer.send(request("HEAD", "/api/status")));
  const auto head = peer.receive(true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->result_int(), 200U);
  EXPECT_EQ(field(*head, "Content-Length"), "18");
  EXPECT_EQ(head->body(), "");
  // No body bytes followed: the next response on the connection parses.
  ASSERT_TRUE(peer.send(request("GET", "/api/status")));
  const auto get = peer.receive();
  ASSERT_TRUE(get);
  EXPECT_EQ(get->body(), R"({"gateway":"gw-1"})");
}

TEST_F(HttpServerTest, OtherMethodsAre405AndTheConnectionStays) {
  start();
  Peer peer(io_);
  ASSERT_TRUE(peer.connect(at_));
  for (const std::string_view method : {"POST", "PUT", "DELETE", "OPTIONS"}) {
    ASSERT_TRUE(peer.send(request(method, "/api/status", "Content-Length: 0\r\n")));
    const auto response = peer.receive();
    ASSERT_TRUE(response) << method;
    EXPECT_EQ(response->result_int(), 405U) << method;
    EXPECT_EQ(field(*response, "Allow"), "GET, HEAD") << method;
  }
  EXPECT_TRUE(paths_.empty());
  ASSERT_TRUE(peer.send(request("GET", "/api/status")));
  const auto response = peer.receive();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200U);
  EXPECT_EQ(server_->counters().requests, 5U);
  EXPECT_EQ(server_->counters().refused, 4U);
}

TEST_F(HttpServerTest, ARequestWithABodyIs413AndClosed) {
  start();
  for (const std::string& text : {request("GET", "/api/status", "Content-Length: 5\r\n") + "hello",
                                  request("POST", "/api/status", "Content-Length: 2\r\n") + "{}",
                                  request("GET", "/api/status", "Transfer-Encoding: chunked\r\n") +
                                      "5\r\nhello\r\n0\r\n\r\n"}) {
    Peer peer(io_);
    ASSERT_TRUE(peer.connect(at_));
    ASSERT_TRUE(peer.send(text));
    const auto response = peer.receive();
    ASSERT_TRUE(response) << text;
    EXPECT_EQ(response->result_int(), 413U) << text;
    EXPECT_EQ(field(*response, "Connection"), "close");
    EXPECT_TRUE(peer.closed()) << text;
  }
  EXPECT_TRUE(paths_.empty());
  EXPECT_EQ(server_->counters().refused, 3U);
}

TEST_F(HttpServerTest, HeadersBeyondMaxHeaderBytesAre431AndClosed) {
  start();
  std::string headers;
  for (int n = 0; headers.size() < 9 * 1024; ++n) {
    headers += "X-Padding-" + std::to_string(n) + ": " + std::string(200, 'a') + "\r\n";
  }
  Peer peer(io_);
  ASSERT_TRUE(peer.connect(at_));
  ASSERT_TRUE(peer.send(request("GET", "/api/status", headers)));
  const auto response = peer.receive();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 431U);
  EXPECT_TRUE(peer.closed());
  EXPECT_TRUE(paths_.empty());
  EXPECT_EQ(server_->counters().refused, 1U);
}

TEST_F(HttpServerTest, MoreThanMaxHeaderFieldsAre431AndClosed) {
  start();
  // Host and 63 more: 64 fields pass.
  std::string headers;
  for (int n = 0; n < 63; ++n) {
    headers += "X-Field-" + std::to_string(n) + ": 1\r\n";
  }
  const auto passed = exchange(request("GET", "/api/status", headers));
  ASSERT_TRUE(passed);
  EXPECT_EQ(passed->result_int(), 200U);

  // A 65th does not.
  Peer peer(io_);
  ASSERT_TRUE(peer.connect(at_));
  ASSERT_TRUE(peer.send(request("GET", "/api/status", headers + "X-Field-63: 1\r\n")));
  const auto response = peer.receive();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 431U);
  EXPECT_TRUE(peer.closed());
  EXPECT_EQ(paths_.size(), 1U);
}

TEST_F(HttpServerTest, WithATokenOnlyTheRightBearerGetsThrough) {
  start("s3cret-token");
  for (const std::string_view authorization :
       {"", "Authorization: Bearer s3cret-tokeN\r\n", "Authorization: Bearer s3cret\r\n",
        "Authorization: Bearer s3cret-token-and-more\r\n", "Authorization: Bearer \r\n",
        "Authorization: Basic czNjcmV0LXRva2Vu\r\n", "Authorization: s3cret-token\r\n"}) {
    const auto response = exchange(request("GET", "/api/status", authorization));
    ASSERT_TRUE(response) << authorization;
    EXPECT_EQ(response->result_int(), 401U) << authorization;
    EXPECT_EQ(field(*response, "WWW-Authenticate"), R"(Bearer realm="iotgw")") << authorization;
  }
  EXPECT_TRUE(paths_.empty());
  EXPECT_EQ(server_->counters().refused, 7U);

  // The scheme's name is case-insensitive (RFC 9110 11.1).
  for (const std::string_view authorization :
       {"Authorization: Bearer s3cret-token\r\n", "Authorization: bearer s3cret-token\r\n"}) {
    const auto response = exchange(request("GET", "/api/status", authorization));
    ASSERT_TRUE(response) << authorization;
    EXPECT_EQ(response->result_int(), 200U) << authorization;
  }
  EXPECT_EQ(paths_.size(), 2U);
}

TEST_F(HttpServerTest, A401LeavesTheConnectionOpenForTheRightToken) {
  start("s3cret-token");
  Peer peer(io_);
  ASSERT_TRUE(peer.connect(at_));
  ASSERT_TRUE(peer.send(request("GET", "/api/status")));
  const auto refused = peer.receive();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->result_int(), 401U);
  ASSERT_TRUE(peer.send(request("GET", "/api/status", "Authorization: Bearer s3cret-token\r\n")));
  const auto served = peer.receive();
  ASSERT_TRUE(served);
  EXPECT_EQ(served->result_int(), 200U);
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  Peer peer(io_);
  ASSERT_TRUE(peer.connect(at_));
  for (int n = 0; n < 2; ++n) {
    ASSERT_TRUE(peer.send(request("GET", "/api/status")));
    const auto response = peer.receive();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 200U);
    EXPECT_TRUE(response->keep_alive());
  }
  // Pipelined: two requests in one write, two responses in order.
  ASSERT_TRUE(peer.send(request("GET", "/api/status") + request("GET", "/missing")));
  const auto first = peer.receive();
  const auto second = peer.receive();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->result_int(), 200U);
  EXPECT_EQ(second->result_int(), 404U);
  EXPECT_EQ(server_->connections(), 1U);
  EXPECT_EQ(server_->counters().requests, 4U);

  // Connection: close is honoured.
  ASSERT_TRUE(peer.send(request("GET", "/api/status", "Connection: close\r\n")));
  const auto last = peer.receive();
  ASSERT_TRUE(last);
  EXPECT_FALSE(last->keep_alive());
  EXPECT_TRUE(peer.closed());
}

TEST_F(HttpServerTest, Http10WithoutKeepAliveIsClosedAfterTheResponse) {
  start();
  Peer peer(io_);
  ASSERT_TRUE(peer.connect(at_));
  ASSERT_TRUE(peer.send("GET /api/status HTTP/1.0\r\n\r\n"));
  const auto response = peer.receive();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->version(), 10U);
  EXPECT_EQ(response->result_int(), 200U);
  EXPECT_TRUE(peer.closed());
}

TEST_F(HttpServerTest, GarbageIs400AndClosed) {
  start();
  for (const std::string_view garbage :
       {"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", "HELLO\r\n\r\n",
        "GET /api/status HTTP/9.9\r\n\r\n", "GET http:/x HTTP/1.1\r\nHost: gw\r\n\r\n"}) {
    Peer peer(io_);
    ASSERT_TRUE(peer.connect(at_));
    ASSERT_TRUE(peer.send(std::string(garbage)));
    const auto response = peer.receive();
    ASSERT_TRUE(response) << garbage;
    EXPECT_EQ(response->result_int(), 400U) << garbage;
    EXPECT_TRUE(peer.closed()) << garbage;
  }
  EXPECT_TRUE(paths_.empty());
}

TEST_F(HttpServerTest, AHandlerThatThrowsOrGivesAnUnsendableStatusGets500) {
  start();
  Peer peer(io_);
  ASSERT_TRUE(peer.connect(at_));
  for (const std::string_view path : {"/throw", "/no-content"}) {
    ASSERT_TRUE(peer.send(request("GET", path)));
    const auto response = peer.receive();
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->result_int(), 500U) << path;
  }
  // The connection carries on.
  ASSERT_TRUE(peer.send(request("GET", "/api/status")));
  const auto response = peer.receive();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200U);
}

TEST_F(HttpServerTest, BeyondMaxConnectionsANewConnectionIsClosedAtOnce) {
  start();
  std::vector<std::unique_ptr<Peer>> peers;
  for (int n = 0; n < 16; ++n) {
    peers.push_back(std::make_unique<Peer>(io_));
    ASSERT_TRUE(peers.back()->connect(at_));
    ASSERT_TRUE(peers.back()->send(request("GET", "/api/status")));
    const auto response = peers.back()->receive();
    ASSERT_TRUE(response) << n;
    EXPECT_EQ(response->result_int(), 200U) << n;
  }
  EXPECT_EQ(server_->connections(), 16U);

  Peer seventeenth(io_);
  ASSERT_TRUE(seventeenth.connect(at_));
  EXPECT_TRUE(seventeenth.closed());
  EXPECT_EQ(server_->counters().rejected_connections, 1U);

  // The sixteen are still served.
  for (auto& peer : peers) {
    ASSERT_TRUE(peer->send(request("GET", "/api/status")));
    const auto response = peer->receive();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 200U);
  }

  // A connection that ends frees its slot.
  peers.front()->close();
  ASSERT_TRUE(run_until(io_, [&] { return server_->connections() == 15; }));
  const auto response = exchange(request("GET", "/api/status"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200U);
  EXPECT_EQ(server_->counters().rejected_connections, 1U);
}

TEST_F(HttpServerTest, AnIdleConnectionIsClosedAfterIdle) {
  start(std::nullopt, HttpServer::Limits{.idle = 1s});
  using Clock = std::chrono::steady_clock;

  // Never a request.
  Peer silent(io_);
  ASSERT_TRUE(silent.connect(at_));
  Clock::time_point since = Clock::now();
  EXPECT_TRUE(silent.closed(5s));
  EXPECT_GE(Clock::now() - since, 900ms);

  // Idle after a response.
  Peer served(io_);
  ASSERT_TRUE(served.connect(at_));
  ASSERT_TRUE(served.send(request("GET", "/api/status")));
  ASSERT_TRUE(served.receive());
  since = Clock::now();
  EXPECT_TRUE(served.closed(5s));
  EXPECT_GE(Clock::now() - since, 900ms);
  EXPECT_TRUE(run_until(io_, [&] { return server_->connections() == 0; }));
}

TEST_F(HttpServerTest, ARequestArrivingSlowerThanIdleIsClosed) {
  start(std::nullopt, HttpServer::Limits{.idle = 1s});
  Peer peer(io_);
  ASSERT_TRUE(peer.connect(at_));
  // A byte every 100 ms: each read makes progress, the request as a whole
  // would take about 3 s.
  peer.trickle(request("GET", "/api/status"), 100ms);
  EXPECT_TRUE(peer.closed(5s));
  EXPECT_TRUE(paths_.empty());
}

TEST_F(HttpServerTest, StopClosesEveryConnectionAndTheListener) {
  start();
  Peer first(io_);
  Peer second(io_);
  ASSERT_TRUE(first.connect(at_));
  ASSERT_TRUE(second.connect(at_));
  ASSERT_TRUE(first.send(request("GET", "/api/status")));
  ASSERT_TRUE(first.receive());
  ASSERT_TRUE(run_until(io_, [&] { return server_->connections() == 2; }));

  server_->stop();
  EXPECT_TRUE(first.closed());
  EXPECT_TRUE(second.closed());
  Peer late(io_);
  EXPECT_FALSE(late.connect(at_));
  EXPECT_EQ(server_->start(), asio::error::already_started);

  // Destroyed with nothing run since stop(): what the io_context still holds
  // of it runs without it.
  server_.reset();
  io_.restart();
  io_.poll();
  EXPECT_EQ(paths_.size(), 1U);
}

TEST_F(HttpServerTest, DestroyedWhileConnectionsAreOpen) {
  start();
  auto peer = std::make_unique<Peer>(io_);
  ASSERT_TRUE(peer->connect(at_));
  ASSERT_TRUE(run_until(io_, [&] { return server_->connections() == 1; }));
  server_.reset();
  EXPECT_TRUE(peer->closed());
}

TEST_F(HttpServerTest, StartReportsAnAddressInUse) {
  start();
  HttpServer other(io_, at_, std::nullopt, [](std::string_view) { return HttpServer::Response{}; });
  EXPECT_EQ(other.start(), asio::error::address_in_use);
  EXPECT_EQ(server_->start(), asio::error::already_started);
}

TEST(StatusPage, LoadsNothingFromElsewhere) {
  const std::string_view html = status_page_html();
  ASSERT_FALSE(html.empty());
  for (const std::string_view banned :
       {"http:", "https:", "//", "<script src", "<link", "@import", "url(", "<iframe", "<img",
        "<object", "<embed", "<base", "<form"}) {
    EXPECT_EQ(html.find(banned), std::string_view::npos) << banned;
  }
  // Data from the API is inserted as text, never as markup.
  for (const std::string_view banned :
       {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("}) {
    EXPECT_EQ(html.find(banned), std::string_view::npos) << banned;
  }
}

TEST(StatusPage, IsOneReadOnlyDocumentThatReadsTheStatus) {
  const std::string_view html = status_page_html();
  EXPECT_EQ(html.substr(0, 15), "<!DOCTYPE html>");
  EXPECT_NE(html.find(R"(<meta name="viewport" content="width=device-width, initial-scale=1">)"),
            std::string_view::npos);
  EXPECT_NE(html.find("fetch('/api/status'"), std::string_view::npos);
  EXPECT_NE(html.find("'Bearer ' + token"), std::string_view::npos);
  EXPECT_NE(html.find("'data-point': key"), std::string_view::npos);
  // Nothing but GET: no other method named, no form.
  for (const std::string_view method : {"POST", "PUT", "DELETE", "PATCH", "method:"}) {
    EXPECT_EQ(html.find(method), std::string_view::npos) << method;
  }
  EXPECT_EQ(html.find("</html>"), html.size() - 8);
}

}  // namespace
}  // namespace iotgw::gateway
