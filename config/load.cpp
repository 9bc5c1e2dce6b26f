#include "config/load.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <system_error>

#include <toml++/toml.h>

#include "config/file_checks.hpp"
#include "config/readers.hpp"
#include "config/shape_limits.hpp"
#include "config/topic_template.hpp"

namespace iotgw::config {
namespace {

// Fills the values that default to other values: client id, Sparkplug edge
// node id, the store under the state directory, and the topics that need no
// device. (An empty tls.server_name stands for each broker's own host.)
void resolve_defaults(Config& config) {
  Mqtt& mqtt = config.mqtt;
  if (mqtt.client_id.empty()) {
    mqtt.client_id = config.gateway.id;
  }
  if (config.sparkplug.edge_node_id.empty()) {
    config.sparkplug.edge_node_id = config.gateway.id;
  }
  if (config.store.path.is_relative()) {
    config.store.path = config.gateway.state_dir / config.store.path;
  }
  const TopicFields fields{.prefix = mqtt.topic_prefix, .gateway = config.gateway.id};
  mqtt.will.topic = expand_topic(mqtt.will.topic, fields);
  config.commands.topic = expand_topic(config.commands.topic, fields);
}

// Reads a section table, or reports it missing when it is required.
template <class Read>
void read_section(TableReader& root, std::string_view key, bool required, Read read) {
  if (required) {
    root.require(key);
  }
  if (const toml::table* table = root.subtable(key)) {
    TableReader reader(*table, std::string(key), root.diagnostics());
    read(reader);
  }
}

// Where a key's value is written, or its table's header, or the top of the file.
Place place_in(const toml::table& document, std::string_view section, std::string_view key) {
  const toml::table* table = document[section].as_table();
  if (table == nullptr) {
    return {};
  }
  if (const toml::node* node = table->get(key)) {
    return place_of(node->source());
  }
  return place_of(table->source());
}

// The store's file: where it will be must not be under a regular file (an
// error: the store cannot be created), and what is there already should be a
// regular file (a directory there is reported; the store cannot open it).
void check_store_path(const toml::table& document, const Config& config, Diagnostics& diagnostics) {
  std::filesystem::path path = config.store.path;
  const bool relative = path.is_relative();
  if (relative) {
    // A state_dir of the wrong kind is reported already, at state_dir.
    if (!usable_directory(config.gateway.state_dir)) {
      return;
    }
    path = config.gateway.state_dir / path;
  }
  const bool written = document["store"]["path"].node() != nullptr;
  const Place where =
      written ? place_in(document, "store", "path") : place_in(document, "gateway", "state_dir");
  const std::string key = written ? "store.path" : "gateway.state_dir";
  if (const Check room = creatable(path); !room) {
    diagnostics.error(where.line, where.column,
                      key + ": the store " + room.error() +
                          "; set store.path (or gateway.state_dir) to a place under a directory");
  } else if (const Check file = regular_file_or_absent(path); !file) {
    diagnostics.warning(where.line, where.column,
                        key + ": the store's database " + file.error() +
                            "; the store cannot open it: remove or rename it, or set "
                            "store.path to another file name");
  }
}

// Sparkplug against the other sections: an edge node id left to gateway.id
// must be a usable Sparkplug id too (a gateway.id unfit for topics is reported
// already, at gateway.id), and Home Assistant discovery points at the JSON
// telemetry topics, which Sparkplug mode does not publish.
void check_sparkplug(const toml::table& document, const Config& config, Diagnostics& diagnostics) {
  const Sparkplug& sparkplug = config.sparkplug;
  if (!sparkplug.enabled) {
    return;
  }
  // A written edge_node_id of the wrong type is reported already, at the key.
  const toml::node* edge_node_id = document["sparkplug"]["edge_node_id"].node();
  const bool defaulted = edge_node_id == nullptr || edge_node_id->is_string();
  if (defaulted && sparkplug.edge_node_id.empty() && usable_name(config.gateway.id)) {
    if (const Check usable = check_sparkplug_id(config.gateway.id); !usable) {
      const Place where = place_in(document, "sparkplug", "enabled");
      diagnostics.error(where.line, where.column,
                        "sparkplug.enabled: the edge node id defaults to gateway.id, and " +
                            usable.error() + "; set sparkplug.edge_node_id");
    }
  }
  if (config.homeassistant.enabled) {
    const Place where = place_in(document, "homeassistant", "enabled");
    diagnostics.error(where.line, where.column,
                      "homeassistant.enabled: Home Assistant discovery needs the JSON telemetry "
                      "topics; it cannot be used with sparkplug.enabled, so turn one of them off");
  }
}

// A listen address off the loopback interface needs a bearer token: without
// one, anyone who reaches the port reads the gateway's state. A listen that
// does not parse, and a token_file that is unusable or of the wrong type, are
// reported already, at those keys.
void check_http(const toml::table& document, const Config& config, Diagnostics& diagnostics) {
  const Http& http = config.http;
  if (!http.enabled() || http.loopback || !http.token_file.empty()) {
    return;
  }
  if (const toml::node* token_file = document["http"]["token_file"].node();
      token_file != nullptr && !token_file->is_string()) {
    return;
  }
  const Place where = place_in(document, "http", "listen");
  diagnostics.error(where.line, where.column,
                    "http.listen: a non-loopback address needs http.token_file (a bearer token, "
                    "readable by the gateway only)");
}

}  // namespace

LoadResult load_string(std::string_view text, const std::filesystem::path& file) {
  Diagnostics diagnostics(file.string());
  LoadResult result;
  if (const std::optional<ShapeProblem> problem = shape_problem(text)) {
    diagnostics.error(problem->line, problem->column, problem->message);
    result.diagnostics = diagnostics.sorted();
    return result;
  }
  toml::table document;
  try {
    document = toml::parse(text, file.string());
  } catch (const toml::parse_error& error) {
    const Place where = place_of(error.source());
    diagnostics.error(where.line, where.column, std::string(error.description()));
    result.diagnostics = diagnostics.sorted();
    return result;
  }

  Config config;
  config.source = file;
  const ReadContext context{.base_dir = file.parent_path()};
  TableReader root(document, "", diagnostics);
  read_section(root, "gateway", true,
               [&](TableReader& reader) { read_gateway(reader, context, config.gateway); });
  read_section(root, "mqtt", true,
               [&](TableReader& reader) { read_mqtt(reader, context, config.mqtt); });
  read_section(root, "store", false,
               [&](TableReader& reader) { read_store(reader, config.store); });
  read_section(root, "telemetry", false,
               [&](TableReader& reader) { read_telemetry(reader, config.telemetry); });
  read_section(root, "commands", false,
               [&](TableReader& reader) { read_commands(reader, config.commands); });
  read_section(root, "sparkplug", false,
               [&](TableReader& reader) { read_sparkplug(reader, config.sparkplug); });
  read_section(root, "homeassistant", false,
               [&](TableReader& reader) { read_homeassistant(reader, config.homeassistant); });
  read_section(root, "http", false,
               [&](TableReader& reader) { read_http(reader, context, config.http); });
  read_buses(root, config.buses);
  root.finish();
  check_store_path(document, config, diagnostics);
  check_sparkplug(document, config, diagnostics);
  check_http(document, config, diagnostics);

  if (!diagnostics.has_errors()) {
    resolve_defaults(config);
    result.config = std::move(config);
  }
  result.diagnostics = diagnostics.sorted();
  return result;
}

LoadResult load_file(const std::filesystem::path& file) {
  const auto refuse = [&](const std::string& message) {
    LoadResult result;
    result.diagnostics.push_back({Diagnostic::Severity::error, file.string(), 1, 1, message});
    return result;
  };
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(file, error);
  if (status.type() == std::filesystem::file_type::directory) {
    return refuse("this is a directory; name the configuration file, e.g. " +
                  (file / "iotgw.toml").string());
  }
  // Refused before reading: a huge regular file by its size, anything else
  // (a pipe, a device) once it yields more than the bound.
  if (status.type() == std::filesystem::file_type::regular) {
    const std::uintmax_t size = std::filesystem::file_size(file, error);
    if (!error && size > max_file_size) {
      return refuse("the file is " + std::to_string(size / (1024 * 1024)) + " MiB, more than the " +
                    std::to_string(max_file_size / (1024 * 1024)) +
                    " MiB a configuration may be; is this the right file?");
    }
  }
  std::ifstream stream(file, std::ios::binary);
  if (!stream) {
    return refuse(std::string("cannot read the file: ") + std::strerror(errno));
  }
  std::string text(max_file_size + 1, '\0');
  stream.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(stream.gcount()));
  return load_string(text, file);
}

}  // namespace iotgw::config
