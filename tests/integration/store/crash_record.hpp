// What the crash child and its parent share: the report records sent on the
// pipe and messages whose contents can be checked from themselves alone.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bridge/store/message.hpp"

namespace iotgw::bridge::store::crash {

// One record on the pipe: a kind byte and a sequence number. 9 bytes, so a
// write of up to 455 records is atomic (PIPE_BUF) and never torn by a kill.
enum class Kind : char { accepted = 'A', acked = 'K' };
constexpr std::size_t record_size = 9;

inline void put_record(std::vector<char>& out, Kind kind, Seq seq) {
  out.push_back(static_cast<char>(kind));
  char bytes[8];
  std::memcpy(bytes, &seq, sizeof seq);
  out.insert(out.end(), bytes, bytes + 8);
}

// splitmix64: a cheap, well-mixed expansion of a 64-bit value.
inline std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The topic names `nonce`; the 64-byte payload is nonce followed by its
// expansion, so a torn or mixed-up row does not verify.
inline Message make_message(std::uint64_t nonce) {
  Message m;
  char topic[64];
  std::snprintf(topic, sizeof topic, "iotgw/gw/dev/point-%016llx",
                static_cast<unsigned long long>(nonce));
  m.topic = topic;
  m.payload.resize(64);
  std::uint64_t word = nonce;
  for (std::size_t i = 0; i < 64; i += 8) {
    std::memcpy(m.payload.data() + i, &word, 8);
    word = mix(word);
  }
  m.qos = static_cast<std::uint8_t>(1 + nonce % 2);
  return m;
}

inline bool verifies(const std::string& topic, const std::vector<std::uint8_t>& payload) {
  if (payload.size() != 64) {
    return false;
  }
  std::uint64_t nonce = 0;
  std::memcpy(&nonce, payload.data(), 8);
  const Message expected = make_message(nonce);
  return expected.topic == topic && expected.payload == payload;
}

}  // namespace iotgw::bridge::store::crash
