// Store benchmark: append and ack+delete throughput of the SQL core, the same
// through the asynchronous front end, disk bytes written per message (from
// /proc/self/io and from the counting VFS) and fsyncs per second, for both
// store.sync settings. 64-byte payloads, topics like iotgw/gw/dev/point.
//
// Usage: bench_store [--messages N] [--paced-seconds S] [--dir DIR] [--sync normal|full|both]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "bridge/store/queue_core.hpp"
#include "bridge/store/store.hpp"

namespace {

using namespace iotgw;
using namespace iotgw::bridge::store;
using Clock = std::chrono::steady_clock;

struct Args {
  std::size_t messages = 500'000;
  double paced_seconds = 5.0;
  std::filesystem::path dir = std::filesystem::temp_directory_path();
  std::string sync = "both";  // normal | full | both
};

// write_bytes from /proc/self/io: what this process sent towards the disk.
std::uint64_t proc_write_bytes() {
  std::ifstream in("/proc/self/io");
  std::string key;
  std::uint64_t value = 0;
  while (in >> key >> value) {
    if (key == "write_bytes:") {
      return value;
    }
  }
  return 0;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<Message> make_messages(std::size_t count, std::size_t first) {
  std::vector<Message> out(count);
  const auto now = std::chrono::system_clock::now();
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t n = first + i;
    out[i].topic = "iotgw/gw/dev" + std::to_string(n % 16) + "/point" + std::to_string(n % 64);
    out[i].payload.assign(64, static_cast<std::uint8_t>('a' + n % 26));
    out[i].enqueued = now;
  }
  return out;
}

struct Row {
  const char* sync;
  const char* path;
  std::size_t messages;
  double append_per_s;
  double ack_per_s;
  double proc_bytes_per_msg;
  double vfs_bytes_per_msg;
  std::uint64_t syncs;
  double syncs_per_s;
};

void print(const Row& r) {
  std::printf("| %-6s | %-26s | %9zu | %12.0f | %12.0f | %9.1f | %9.1f | %6llu | %6.2f |\n", r.sync,
              r.path, r.messages, r.append_per_s, r.ack_per_s, r.proc_bytes_per_msg,
              r.vfs_bytes_per_msg, static_cast<unsigned long long>(r.syncs), r.syncs_per_s);
  std::fflush(stdout);
}

config::Store fresh_config(const Args& args, config::Sync sync) {
  config::Store cfg;
  cfg.path = args.dir / ("iotgw-bench-" + std::to_string(::getpid()) + ".db");
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(cfg.path.string() + suffix);
  }
  cfg.sync = sync;
  cfg.max_rows = 10'000'000;
  cfg.max_bytes = 4ULL << 30;
  return cfg;
}

// The SQL core alone: appends in commit_batch transactions, then hands out
// windows of 64, acks them and deletes them in commit_batch transactions.
Row bench_core(const Args& args, config::Sync sync, const char* sync_name) {
  const config::Store cfg = fresh_config(args, sync);
  QueueCore core(cfg);
  const std::size_t batch = cfg.commit_batch;
  std::vector<std::vector<Message>> batches;
  for (std::size_t done = 0; done < args.messages; done += batch) {
    batches.push_back(make_messages(std::min(batch, args.messages - done), done));
  }
  const std::uint64_t proc_before = proc_write_bytes();
  const Counters before = core.counters();
  auto start = Clock::now();
  for (const auto& b : batches) {
    core.append(b);
  }
  const double append_s = seconds_since(start);

  start = Clock::now();
  std::size_t acked = 0;
  for (;;) {
    const std::vector<Message> window = core.fetch(64);
    if (window.empty()) {
      break;
    }
    for (const Message& m : window) {
      core.ack(m.seq);
    }
    acked += window.size();
    if (acked % batch < 64) {
      core.commit();
    }
  }
  core.commit();
  const double ack_s = seconds_since(start);
  const Counters after = core.counters();
  const double n = static_cast<double>(args.messages);
  return {sync_name,
          "core: append, ack+delete",
          args.messages,
          n / append_s,
          static_cast<double>(acked) / ack_s,
          static_cast<double>(proc_write_bytes() - proc_before) / n,
          static_cast<double>(after.disk_bytes_written - before.disk_bytes_written) / n,
          after.syncs - before.syncs,
          static_cast<double>(after.syncs - before.syncs) / (append_s + ack_s)};
}

// The asynchronous front end with the default commit_interval (1 s) and
// commit_batch, driven from the io thread: one async_append per message, as
// fast as possible or paced at `rate` messages per second. A forwarder
// stand-in (fetch a window of 64, ack it, fetch again) runs alongside, as
// with the uplink up, or drains the queue after the appends, as after an
// outage. Counts fsyncs over the whole run.
enum class Uplink { up, down };

Row bench_front_end(const Args& args, config::Sync sync, const char* sync_name, double rate,
                    Uplink uplink, const char* label) {
  const config::Store cfg = fresh_config(args, sync);
  boost::asio::io_context ctx;
  // run_one() loops below must never see the context run dry and stop.
  auto keep_running = boost::asio::make_work_guard(ctx);
  Store store(ctx.get_executor(), cfg);
  bool opened = false;
  store.async_open([&](error_code) { opened = true; });
  while (!opened) {
    ctx.run_one();
  }
  const std::size_t total =
      rate > 0 ? static_cast<std::size_t>(rate * args.paced_seconds) : args.messages;
  std::vector<Message> messages = make_messages(total, 0);
  std::size_t completed = 0;
  std::size_t acked = 0;    // acks handed to the store
  std::size_t deleted = 0;  // acks whose deletes committed
  std::function<void()> forward = [&] {
    store.async_fetch(64, [&](error_code ec, std::vector<Message> window) {
      if (ec) {
        return;
      }
      std::vector<Seq> seqs;
      for (const Message& m : window) {
        seqs.push_back(m.seq);
      }
      acked += seqs.size();
      store.async_ack(std::move(seqs), [&, n = window.size()](error_code) { deleted += n; });
      forward();
    });
  };
  if (uplink == Uplink::up) {
    forward();
  }

  const std::uint64_t proc_before = proc_write_bytes();
  const Counters before = store.counters();
  const auto start = Clock::now();
  for (std::size_t i = 0; i < total; ++i) {
    if (rate > 0) {
      const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(static_cast<double>(i) / rate));
      while (Clock::now() < due) {
        ctx.run_one_until(due);
      }
    }
    store.async_append(std::move(messages[i]), [&](error_code, Seq) { ++completed; });
    while (i + 1 - completed > 50'000) {
      ctx.run_one();
    }
    ctx.poll();
  }
  while (completed < total) {
    ctx.run_one();
  }
  const double append_s = seconds_since(start);
  const auto drain_start = Clock::now();
  if (uplink == Uplink::down) {
    forward();
  }
  while (acked < total) {
    ctx.run_one();
  }
  // Acks are applied with the next group commit (commit_batch acks or the
  // commit timer); the rate is that of the forwarder handing them over.
  const double drain_s = seconds_since(drain_start);
  while (deleted < total) {
    ctx.run_one();
  }
  const double total_s = seconds_since(start);
  const Counters after_run = store.counters();
  bool stopped = false;
  store.async_stop([&] { stopped = true; });
  while (!stopped) {
    ctx.run_one();
  }
  const double n = static_cast<double>(total);
  return {sync_name,
          label,
          total,
          n / append_s,
          n / (uplink == Uplink::up ? total_s : drain_s),
          static_cast<double>(proc_write_bytes() - proc_before) / n,
          static_cast<double>(after_run.disk_bytes_written - before.disk_bytes_written) / n,
          after_run.syncs - before.syncs,
          static_cast<double>(after_run.syncs - before.syncs) / total_s};
}

Args parse(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--messages" && i + 1 < argc) {
      args.messages = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--paced-seconds" && i + 1 < argc) {
      args.paced_seconds = std::strtod(argv[++i], nullptr);
    } else if (arg == "--dir" && i + 1 < argc) {
      args.dir = argv[++i];
    } else if (arg == "--sync" && i + 1 < argc) {
      args.sync = argv[++i];
    } else {
      std::fprintf(
          stderr,
          "usage: %s [--messages N] [--paced-seconds S] [--dir DIR] [--sync normal|full|both]\n",
          argv[0]);
      std::exit(arg == "--help" ? 0 : 2);
    }
  }
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  std::printf("store benchmark in %s: 64-byte payloads, commit_interval 1s, commit_batch 10000\n\n",
              args.dir.c_str());
  std::printf(
      "| sync   | path                       |  messages |   append/s   | ack+delete/s | disk B/msg"
      " | SQLite B/msg | fsyncs | fsync/s |\n");
  std::printf(
      "|--------|----------------------------|-----------|--------------|--------------|-----------"
      "|-----------|--------|--------|\n");
  for (const auto& [sync, name] :
       {std::pair{config::Sync::normal, "normal"}, std::pair{config::Sync::full, "full"}}) {
    if (args.sync != "both" && args.sync != name) {
      continue;
    }
    print(bench_core(args, sync, name));
    print(bench_front_end(args, sync, name, 0, Uplink::down, "front end: full speed"));
    print(bench_front_end(args, sync, name, 1000, Uplink::up, "1000 msg/s, uplink up"));
    print(bench_front_end(args, sync, name, 1000, Uplink::down, "1000 msg/s, uplink down"));
  }
  const config::Store cfg = fresh_config(args, config::Sync::normal);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(cfg.path.string() + suffix);
  }
  return 0;
}
