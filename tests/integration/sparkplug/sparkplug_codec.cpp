// The Sparkplug B codec from the command line, for 17-sparkplug-payload.py:
//   sparkplug_codec encode   prints "<case> <hex>" for each sample payload
//   sparkplug_codec decode   reads "<case> <hex>" lines, prints "<case> <json>"
// so that Eclipse Tahu's decoder reads what iotgw writes, and iotgw reads what
// Tahu's encoder writes.
#include <cstdio>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bridge/sparkplug/payload.hpp"

namespace sp = iotgw::bridge::sparkplug;

namespace {

std::string hex(const std::vector<std::uint8_t>& bytes) {
  std::string out;
  char digits[3];
  for (const std::uint8_t byte : bytes) {
    std::snprintf(digits, sizeof digits, "%02x", byte);
    out += digits;
  }
  return out;
}

std::vector<std::uint8_t> unhex(const std::string& text) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoul(text.substr(i, 2), nullptr, 16)));
  }
  return out;
}

sp::Metric birth(std::string name, std::uint64_t alias, sp::DataType type, sp::Value value,
                 std::string unit = {}) {
  return {.name = std::move(name),
          .alias = alias,
          .timestamp = 1'795'633'200'123,
          .type = type,
          .send_type = true,
          .is_historical = false,
          .value = std::move(value),
          .eng_unit = std::move(unit)};
}

// `seq_on_the_way_out`: added to the encoded bytes, as data messages get it.
void print(const char* name, const sp::Payload& payload,
           std::optional<std::uint8_t> seq_on_the_way_out = std::nullopt) {
  auto bytes = sp::encode(payload);
  if (!bytes) {
    std::cerr << name << ": " << bytes.error() << "\n";
    std::exit(1);
  }
  if (seq_on_the_way_out) {
    sp::append_seq(*bytes, *seq_on_the_way_out);
  }
  std::cout << name << " " << hex(*bytes) << "\n";
}

int encode_samples() {
  constexpr std::uint64_t now = 1'795'633'200'123;
  print("nbirth", {.timestamp = now,
                   .seq = 0,
                   .metrics = {{.name = "bdSeq",
                                .alias = std::nullopt,
                                .timestamp = now,
                                .type = sp::DataType::int64,
                                .send_type = true,
                                .is_historical = false,
                                .value = std::int64_t{3},
                                .eng_unit = {}},
                               {.name = "Node Control/Rebirth",
                                .alias = std::nullopt,
                                .timestamp = now,
                                .type = sp::DataType::boolean,
                                .send_type = true,
                                .is_historical = false,
                                .value = false,
                                .eng_unit = {}}}});
  print("dbirth",
        {.timestamp = now,
         .seq = 1,
         .metrics = {
             birth("pressure", 1, sp::DataType::int16, std::int64_t{-300}, "bar"),
             birth("count", 2, sp::DataType::uint16, std::uint64_t{65535}),
             birth("energy", 3, sp::DataType::uint32, std::uint64_t{4'000'000'000}),
             birth("flow_temp", 4, sp::DataType::float32, 21.5f, "°C"),
             birth("ratio", 5, sp::DataType::float64, 0.1),
             birth("pump", 6, sp::DataType::boolean, true),
             birth("serial", 7, sp::DataType::string, std::string("SN-42")),
             birth("offset", 8, sp::DataType::int8, std::int64_t{-5}),
             birth("delta", 9, sp::DataType::int32, std::int64_t{-70000}),
             birth("total", 10, sp::DataType::int64, std::int64_t{-1'234'567'890'123}),
             birth("hours", 11, sp::DataType::uint64, std::numeric_limits<std::uint64_t>::max()),
             birth("missing", 12, sp::DataType::float64, std::monostate{})}});
  print("ddata_historical",
        {.timestamp = now,
         .seq = std::nullopt,
         .metrics = {{.name = {},
                      .alias = 4,
                      .timestamp = now - 60'000,
                      .type = sp::DataType::float32,
                      .send_type = false,
                      .is_historical = true,
                      .value = 23.5f,
                      .eng_unit = {}}}},
        255);
  return 0;
}

nlohmann::ordered_json to_json(const sp::ReceivedPayload& payload) {
  nlohmann::ordered_json out;
  if (payload.timestamp) {
    out["timestamp"] = *payload.timestamp;
  }
  if (payload.seq) {
    out["seq"] = *payload.seq;
  }
  out["metrics"] = nlohmann::ordered_json::array();
  for (const sp::ReceivedMetric& metric : payload.metrics) {
    nlohmann::ordered_json m;
    m["name"] = metric.name;
    if (metric.alias) {
      m["alias"] = *metric.alias;
    }
    if (metric.datatype) {
      m["datatype"] = *metric.datatype;
    }
    m["is_null"] = metric.is_null;
    std::visit(
        [&m](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
            m["field"] = "none";
          } else if constexpr (std::is_same_v<T, std::uint32_t>) {
            m["field"] = "int_value";
            m["value"] = v;
          } else if constexpr (std::is_same_v<T, std::uint64_t>) {
            m["field"] = "long_value";
            m["value"] = std::to_string(v);  // beyond a double's exact range
          } else if constexpr (std::is_same_v<T, float>) {
            m["field"] = "float_value";
            m["value"] = v;
          } else if constexpr (std::is_same_v<T, double>) {
            m["field"] = "double_value";
            m["value"] = v;
          } else if constexpr (std::is_same_v<T, bool>) {
            m["field"] = "boolean_value";
            m["value"] = v;
          } else {
            m["field"] = "string_value";
            m["value"] = v;
          }
        },
        metric.value);
    out["metrics"].push_back(std::move(m));
  }
  return out;
}

int decode_lines() {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream fields(line);
    std::string name;
    std::string bytes;
    fields >> name >> bytes;
    const auto payload = sp::decode(unhex(bytes), 64);
    std::cout << name << " "
              << (payload ? to_json(*payload).dump()
                          : nlohmann::ordered_json{{"error", payload.error()}}.dump())
              << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "encode") {
    return encode_samples();
  }
  if (mode == "decode") {
    return decode_lines();
  }
  std::cerr << "usage: sparkplug_codec encode|decode\n";
  return 2;
}
