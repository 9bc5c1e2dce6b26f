// Helpers shared by the store tests: a private temporary directory,
// messages with recognisable contents and what a queue holds of them.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

#include "bridge/store/message.hpp"
#include "bridge/store/queue_core.hpp"
#include "config/config.hpp"
#include "tests/support/temp_dir.hpp"

namespace iotgw::bridge::store::test {

using iotgw::test::TempDir;

inline config::Store store_config(const TempDir& dir) {
  config::Store cfg;
  cfg.path = dir.path() / "queue.db";
  return cfg;
}

// A message whose topic and 64-byte payload both encode `n`.
inline Message numbered(int n, std::size_t payload_size = 64) {
  Message m;
  m.topic = "iotgw/gw/dev" + std::to_string(n % 10) + "/point" + std::to_string(n);
  std::string text = "{\"n\":" + std::to_string(n) + "}";
  text.resize(payload_size, ' ');
  m.payload.assign(text.begin(), text.end());
  m.qos = static_cast<std::uint8_t>(1 + n % 2);
  m.retain = n % 3 == 0;
  m.enqueued =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'000 + n));
  return m;
}

inline std::vector<Message> numbered_range(int first, int count, std::size_t payload_size = 64) {
  std::vector<Message> out;
  for (int n = first; n < first + count; ++n) {
    out.push_back(numbered(n, payload_size));
  }
  return out;
}

// The n a numbered() message was made from.
inline int number_of(const Message& m) {
  return std::stoi(m.topic.substr(m.topic.rfind("point") + 5));
}

// The numbers of the messages in the queue, in order (up to the in-flight
// window). It rewinds before and after: every message not acknowledged is
// pending afterwards.
inline std::vector<int> numbers_in(QueueCore& core) {
  core.rewind();
  std::vector<int> out;
  for (const Message& m : core.fetch(1'000'000)) {
    out.push_back(number_of(m));
  }
  core.rewind();
  return out;
}

}  // namespace iotgw::bridge::store::test
