// The section readers behind load(): each fills one part of Config from its
// table, reporting problems through the reader's diagnostics. Internal to config/.
#pragma once

#include <filesystem>

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
void read_homeassistant(TableReader& reader, HomeAssistant& homeassistant);
void read_buses(TableReader& root, std::vector<Bus>& buses);

// Checks that a name is fit for topics and logs: [A-Za-z0-9_-]+.
void check_name(TableReader& reader, std::string_view key, const std::string& name);

}  // namespace iotgw::config
