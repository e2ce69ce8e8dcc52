#pragma once
// Durable appends measured against the disk's raw fsync rate. The fsync rate
// of a shared virtual disk swings several-fold within seconds, so the two
// are measured in short alternating windows (appends, fsyncs, fsyncs,
// appends, ...) rather than one after the other: the ratio then compares
// like with like.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "ledger/entry.h"
#include "ledger/ledger.h"

namespace mandate::bench {

struct Window {
  std::uint64_t count = 0;
  double seconds = 0;
  double cpu_seconds = 0;  // of the whole process, all threads
};

// Owns a file descriptor.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor();
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// A 4 KiB pwrite then fdatasync, in a loop, on a file in the stores'
// directory. The file is written out once and then overwritten in place,
// as SQLite reuses its WAL after a checkpoint, so fdatasync never has to
// record a size change.
class FsyncProbe {
 public:
  explicit FsyncProbe(const std::filesystem::path& file);
  Window run_for(std::chrono::milliseconds window);

 private:
  static constexpr std::size_t kBlock = 4096;
  static constexpr std::size_t kBlocks = 256;
  void write_block();

  FileDescriptor fd_;
  std::vector<char> block_ = std::vector<char>(kBlock, 'm');
  std::size_t slot_ = 0;
};

// `threads` appenders sharing one Ledger, parked between windows. Each
// append returns only once its group commit is durable.
class Appenders {
 public:
  // draft = false: each thread appends one pre-encoded entry from `pool`
  // (the commit path alone); true: each thread encodes a draft per append,
  // as Ledger::append(const EntryDraft&) callers do.
  Appenders(ledger::Ledger& ledger, std::span<const ledger::EncodedEntry> pool, int threads, bool draft);
  ~Appenders();
  Appenders(const Appenders&) = delete;
  Appenders& operator=(const Appenders&) = delete;

  // Lets every appender run for `window`, then waits for appends in flight;
  // the time includes that drain, so count / seconds is an honest rate.
  Window run_for(std::chrono::milliseconds window);

 private:
  void work(int index);
  std::uint64_t append_while_open(int index);

  ledger::Ledger& ledger_;
  std::span<const ledger::EncodedEntry> pool_;
  bool draft_;

  std::mutex mu_;
  std::condition_variable gate_, idle_;
  std::atomic<bool> open_{false};
  bool stop_ = false;
  std::uint64_t generation_ = 0;  // one per window: a thread joins a window once
  int active_ = 0;
  std::uint64_t done_ = 0;
  std::exception_ptr error_;
  std::vector<std::jthread> threads_;  // last: joined before the state above goes
};

struct AppendSetup {
  ledger::Ledger& ledger;
  std::span<const ledger::EncodedEntry> pool;
  std::filesystem::path dir;
  int threads = 1;
  bool draft = false;
};

inline constexpr std::chrono::milliseconds kAppendWindow{250};
inline constexpr int kAppendCycles = 10;  // each cycle: one append and one fsync window

// One iteration per cycle; reports counters appends_per_s, fsyncs_per_s,
// entries_per_fsync (totals over all windows), ratio_min / ratio_max (the
// spread of per-cycle ratios), and cpu_us_per_append / cores_busy (process
// CPU time in the append windows: shows when the CPU, not the disk, is what
// limits the batch).
void bm_append_vs_fsync(benchmark::State& state, const AppendSetup& setup);

}  // namespace mandate::bench
