// The gateway configurations the benchmark runs `iotgw run` with, one per
// phase, each with its own gateway id so that one phase's retained status
// never reads as the next one's.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

namespace iotgw::bench {

struct Setup {
  std::filesystem::path state_dir;
  std::uint16_t broker_port = 0;
  std::uint16_t device_port = 0;  // a Modbus TCP device (or a port nobody listens on)
  std::string commit_interval;    // store.commit_interval, a TOML duration; empty: the default
  std::string store_keys;         // more [store] lines, TOML
};

// Gateway "drain": an energy meter of ten points on Modbus TCP polled every
// second, the store bounded by max_rows, metrics every second (the benchmark
// waits for "queued":0 in them).
std::string drain_config(const Setup& setup, std::uint64_t max_rows);

// Gateway "idle": one boiler point polled every five seconds, the default
// metrics interval.
std::string idle_config(const Setup& setup);

// Gateway `id` ("load" unless given): one meter of `points` uint16 holding
// registers at addresses 0.. (one Modbus request per poll) polled every
// `poll`, metrics every second (the benchmark reads the readings counter from
// them), with more `telemetry` keys.
std::string load_config(const Setup& setup, int points, std::chrono::milliseconds poll,
                        const std::string& id = "load", const std::string& telemetry = "");

// Gateway "points": `devices` devices dev01.. (unit ids 1..) of
// `points_per_device` uint16 holding registers each at addresses 0.., polled
// every `poll`, metrics every second: what each configured point costs.
std::string points_config(const Setup& setup, int devices, int points_per_device,
                          std::chrono::milliseconds poll);

}  // namespace iotgw::bench
