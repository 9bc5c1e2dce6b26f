// iotgw status: asks the running gateway's HTTP endpoint (http.listen, with
// the bearer token of http.token_file) for /api/status and prints it for a
// terminal. Exit status 0 when the gateway says it is healthy, 1 when it says
// why it is not, 2 when it cannot be asked.
#include <cstdio>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "config/units.hpp"
#include "gateway/commands.hpp"
#include "gateway/http_server.hpp"

namespace iotgw::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Json = nlohmann::json;

// The answer of a gateway is a few hundred bytes per point.
constexpr std::size_t max_answer_bytes = 64 << 20;
constexpr auto answer_timeout = std::chrono::seconds(5);

struct Answer {
  unsigned status = 0;
  std::string body;
};

Answer ask(const config::Http& endpoint, const std::string& token, const std::string& target) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(answer_timeout);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address(endpoint.address), endpoint.port));
  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, endpoint.listen);
  if (!token.empty()) {
    request.set(http::field::authorization, "Bearer " + token);
  }
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_answer_bytes);
  http::read(stream, buffer, parser);
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  return {parser.get().result_int(), std::move(parser.get().body())};
}

std::string token_of(const config::Http& endpoint) {
  if (endpoint.token_file.empty()) {
    return {};
  }
  std::optional<std::string> token = read_token_file(endpoint.token_file);
  if (!token) {
    throw std::runtime_error("cannot read " + endpoint.token_file.string() +
                             " (http.token_file): run as the gateway's user, or as root");
  }
  return *token;
}

std::string seconds_text(const Json& seconds) {
  if (!seconds.is_number()) {
    return "-";
  }
  const double value = seconds.get<double>();
  if (value < 60) {
    return fmt::format("{:.1f} s", value);
  }
  return config::format_duration(
      std::chrono::duration_cast<config::Duration>(std::chrono::duration<double>(value)));
}

// Everything printed comes from the answer, which may not be what it should:
// a member that is missing reads as null, and prints as "?".
const Json& member(const Json& object, const char* name) {
  static const Json none;
  if (!object.is_object()) {
    return none;
  }
  const auto found = object.find(name);
  return found == object.end() ? none : *found;
}

std::string text_of(const Json& object, const char* name) {
  const Json& found = member(object, name);
  if (found.is_null()) {
    return "?";
  }
  return found.is_string() ? found.get<std::string>() : found.dump();
}

bool flag(const Json& object, const char* name) {
  const Json& found = member(object, name);
  return found.is_boolean() && found.get<bool>();
}

const Json& list(const Json& object, const char* name) {
  static const Json empty = Json::array();
  const Json& found = member(object, name);
  return found.is_array() ? found : empty;
}

std::string value_text(const Json& point) {
  const Json& value = member(point, "value");
  if (value.is_null()) {
    return "-";
  }
  std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (const Json& unit = member(point, "unit"); unit.is_string() && !unit.empty()) {
    text += " " + unit.get<std::string>();
  }
  return text;
}

void print(const Json& status) {
  const Json& health = member(status, "health");
  const bool healthy = flag(health, "healthy");
  std::printf("iotgw %s as %s, up %s, %s\n", text_of(status, "version").c_str(),
              text_of(status, "gateway").c_str(), seconds_text(member(status, "uptime_s")).c_str(),
              healthy ? "healthy" : ("NOT HEALTHY: " + text_of(health, "reason")).c_str());
  const Json& uplink = member(status, "uplink");
  std::printf("uplink   %s %s; %s reconnects; %s published, %s acknowledged\n",
              flag(uplink, "connected") ? "connected to" : "NOT connected; next",
              text_of(uplink, "broker").c_str(), text_of(uplink, "reconnects").c_str(),
              text_of(uplink, "published").c_str(), text_of(uplink, "acknowledged").c_str());
  const Json& queue = member(status, "queue");
  std::printf("queue    %s rows, %s bytes, oldest %s; %s fsyncs\n", text_of(queue, "rows").c_str(),
              text_of(queue, "bytes").c_str(), seconds_text(member(queue, "oldest_age_s")).c_str(),
              text_of(queue, "fsyncs").c_str());
  const Json& readings = member(status, "readings");
  std::printf("readings %s (%s suppressed, %s dropped)\n", text_of(readings, "total").c_str(),
              text_of(readings, "suppressed").c_str(), text_of(readings, "dropped").c_str());
  for (const Json& device : list(status, "devices")) {
    std::printf("%s on %s (%s): %s readings", text_of(device, "name").c_str(),
                text_of(device, "bus").c_str(), text_of(device, "protocol").c_str(),
                text_of(device, "readings").c_str());
    if (text_of(device, "protocol") != "line") {
      std::printf("; %s requests, %s timeouts, %s CRC errors, %s exceptions",
                  text_of(device, "requests").c_str(), text_of(device, "timeouts").c_str(),
                  text_of(device, "crc_errors").c_str(), text_of(device, "exceptions").c_str());
    }
    std::printf("\n");
    for (const Json& point : list(device, "points")) {
      std::printf("  %-24s %-20s %-16s %s\n", text_of(point, "name").c_str(),
                  value_text(point).c_str(), text_of(point, "quality").c_str(),
                  seconds_text(member(point, "age_s")).c_str());
    }
  }
}

}  // namespace

int status_command(const std::filesystem::path& file) {
  const std::optional<config::Config> config = load_and_report(file);
  if (!config) {
    return 2;
  }
  if (!config->http.enabled()) {
    std::fprintf(stderr, "%s: http.listen is \"\": the gateway has no endpoint to ask\n",
                 file.c_str());
    return 2;
  }
  Answer answer;
  try {
    answer = ask(config->http, token_of(config->http), "/api/status");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot ask the gateway at %s (http.listen): %s\n",
                 config->http.listen.c_str(), e.what());
    return 2;
  }
  if (answer.status != 200) {
    std::fprintf(stderr, "the gateway at %s answered %u: %s\n", config->http.listen.c_str(),
                 answer.status, answer.body.c_str());
    return 2;
  }
  const Json status = Json::parse(answer.body, nullptr, false, true);
  if (!status.is_object()) {
    std::fprintf(stderr, "the gateway at %s answered no JSON object\n",
                 config->http.listen.c_str());
    return 2;
  }
  print(status);
  return flag(member(status, "health"), "healthy") ? 0 : 1;
}

}  // namespace iotgw::gateway
