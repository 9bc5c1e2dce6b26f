// The process the crash test kills: appends and acks on a QueueCore at full
// speed and reports on a pipe each sequence number it was told was accepted
// (after the commit returned) and each one it acked (before acking it).
//
// Usage: store_crash_child DB_PATH REPORT_FD SEED normal|full
#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>
#include <unistd.h>

#include "bridge/store/queue_core.hpp"
#include "tests/integration/store/crash_record.hpp"

namespace {

using namespace iotgw::bridge::store;

// Writes all of `data`; a pipe write of at most PIPE_BUF bytes is atomic.
void write_all(int fd, const std::vector<char>& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) {
      std::_Exit(3);
    }
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    return 2;
  }
  iotgw::config::Store cfg;
  cfg.path = argv[1];
  cfg.sync =
      std::string(argv[4]) == "full" ? iotgw::config::Sync::full : iotgw::config::Sync::normal;
  const int fd = std::atoi(argv[2]);
  std::mt19937_64 rng(std::strtoull(argv[3], nullptr, 10));

  CoreOptions options;
  options.window = 256;
  options.checkpoint_min_interval = std::chrono::milliseconds(20);
  QueueCore core(cfg, options);

  std::vector<char> report;
  std::vector<Message> batch;
  for (std::uint64_t round = 0;; ++round) {
    batch.clear();
    const int size = std::uniform_int_distribution<int>(1, 64)(rng);
    for (int i = 0; i < size; ++i) {
      batch.push_back(crash::make_message(rng()));
    }
    const AppendResult result = core.append(batch);
    report.clear();
    for (const Seq seq : result.seqs) {
      if (seq == 0) {
        return 4;  // the bounds are far away: nothing may be dropped
      }
      crash::put_record(report, crash::Kind::accepted, seq);
    }
    write_all(fd, report);

    // Ack most of what is in flight, out of order (QoS 1 and 2 mixed).
    std::vector<Message> fetched = core.fetch(128);
    std::shuffle(fetched.begin(), fetched.end(), rng);
    report.clear();
    std::vector<Seq> acking;
    for (const Message& m : fetched) {
      if (rng() % 10 != 0) {
        crash::put_record(report, crash::Kind::acked, m.seq);
        acking.push_back(m.seq);
      }
    }
    write_all(fd, report);
    for (const Seq seq : acking) {
      core.ack(seq);
    }
    if (round % 64 == 63) {
      core.rewind();
    }
    if (round % 200 == 199) {
      core.maintain();
    }
  }
}
