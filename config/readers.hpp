// The section readers behind load(): each fills one part of Config from its
// table, reporting problems through the reader's diagnostics. Internal to config/.
#pragma once

#include <filesystem>

#include "config/check.hpp"
#include "config/config.hpp"
#include "config/table_reader.hpp"

namespace iotgw::config {

// What the section readers need to know about the file being read.
struct ReadContext {
  std::filesystem::path base_dir;  // relative paths in the file are taken from here
};

void read_gateway(TableReader& reader, const ReadContext& context, Gateway& gateway);
void read_mqtt(TableReader& reader, const ReadContext& context, Mqtt& mqtt);
void read_store(TableReader& reader, Store& store);
void read_telemetry(TableReader& reader, Telemetry& telemetry);
void read_commands(TableReader& reader, Commands& commands);
void read_sparkplug(TableReader& reader, Sparkplug& sparkplug);
void read_homeassistant(TableReader& reader, HomeAssistant& homeassistant);
void read_http(TableReader& reader, const ReadContext& context, Http& http);
void read_buses(TableReader& root, std::vector<Bus>& buses);

// Whether a name is fit for topics and logs: [A-Za-z0-9_-]+.
bool usable_name(std::string_view name);
// Reports a name that is not usable_name().
void check_name(TableReader& reader, std::string_view key, const std::string& name);

// Whether an id can be a Sparkplug B group, edge node or host id: one MQTT
// topic level (no /, + or #), not empty, at most max_sparkplug_id bytes.
Check check_sparkplug_id(const std::string& id);

}  // namespace iotgw::config
