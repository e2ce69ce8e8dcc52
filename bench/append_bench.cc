#include "append_bench.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <string>
#include <system_error>
#include <utility>

#include "support.h"

namespace mandate::bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double process_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

FileDescriptor::~FileDescriptor() {
  if (fd_ >= 0) ::close(fd_);
}

FsyncProbe::FsyncProbe(const std::filesystem::path& file)
    : fd_(::open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) {
  if (fd_.get() < 0) throw_errno("open " + file.string());
  for (std::size_t i = 0; i < kBlocks; ++i) write_block();
  if (::fsync(fd_.get()) != 0) throw_errno("fsync");
}

void FsyncProbe::write_block() {
  const auto offset = static_cast<off_t>(slot_ * kBlock);
  if (::pwrite(fd_.get(), block_.data(), block_.size(), offset) != static_cast<ssize_t>(block_.size())) {
    throw_errno("pwrite");
  }
  slot_ = (slot_ + 1) % kBlocks;
}

Window FsyncProbe::run_for(std::chrono::milliseconds window) {
  Window w;
  const auto start = Clock::now();
  const auto end = start + window;
  while (Clock::now() < end) {
    write_block();
    if (::fdatasync(fd_.get()) != 0) throw_errno("fdatasync");
    ++w.count;
  }
  w.seconds = seconds_since(start);
  return w;
}

Appenders::Appenders(ledger::Ledger& ledger, std::span<const ledger::EncodedEntry> pool, int threads, bool draft)
    : ledger_(ledger), pool_(pool), draft_(draft) {
  threads_.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this, i] { work(i); });
}

Appenders::~Appenders() {
  {
    const std::lock_guard lock(mu_);
    stop_ = true;
  }
  gate_.notify_all();
  threads_.clear();  // joins
}

std::uint64_t Appenders::append_while_open(int index) {
  const auto slot = static_cast<std::size_t>(index);
  const ledger::EncodedEntry& entry = pool_[slot % pool_.size()];
  const ledger::EntryDraft draft = sample_draft(slot);
  std::uint64_t appended = 0;
  while (open_.load(std::memory_order_relaxed)) {
    benchmark::DoNotOptimize(draft_ ? ledger_.append(draft) : ledger_.append(entry));
    ++appended;
  }
  return appended;
}

void Appenders::work(int index) {
  std::uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      gate_.wait(lock, [&] { return stop_ || (open_ && generation_ != seen); });
      if (stop_) return;
      seen = generation_;
      ++active_;
    }
    std::uint64_t appended = 0;
    std::exception_ptr error;
    try {
      appended = append_while_open(index);
    } catch (...) {
      error = std::current_exception();
    }
    const std::lock_guard lock(mu_);
    done_ += appended;
    if (error && !error_) error_ = error;
    if (--active_ == 0) idle_.notify_all();
  }
}

Window Appenders::run_for(std::chrono::milliseconds window) {
  const auto start = Clock::now();
  const double cpu_start = process_cpu_seconds();
  {
    const std::lock_guard lock(mu_);
    open_ = true;
    ++generation_;
  }
  gate_.notify_all();
  std::this_thread::sleep_for(window);
  Window w;
  {
    std::unique_lock lock(mu_);
    open_ = false;
    idle_.wait(lock, [&] { return active_ == 0; });
    w.count = std::exchange(done_, 0);
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }
  w.seconds = seconds_since(start);
  w.cpu_seconds = process_cpu_seconds() - cpu_start;
  return w;
}

void bm_append_vs_fsync(benchmark::State& state, const AppendSetup& setup) {
  FsyncProbe fsync(setup.dir / "fsync-probe.bin");
  Appenders appenders(setup.ledger, setup.pool, setup.threads, setup.draft);
  Window appends, fsyncs;
  std::vector<double> ratios;
  bool appends_first = true;
  for (auto _ : state) {
    // Alternating the order (A F, F A, A F, ...) keeps a steady drift in the
    // disk's speed from favouring either side.
    Window a, f;
    if (appends_first) {
      a = appenders.run_for(kAppendWindow);
      f = fsync.run_for(kAppendWindow);
    } else {
      f = fsync.run_for(kAppendWindow);
      a = appenders.run_for(kAppendWindow);
    }
    appends_first = !appends_first;
    state.SetIterationTime(a.seconds);
    appends.count += a.count;
    appends.seconds += a.seconds;
    appends.cpu_seconds += a.cpu_seconds;
    fsyncs.count += f.count;
    fsyncs.seconds += f.seconds;
    if (a.count > 0 && f.count > 0) {
      ratios.push_back((static_cast<double>(a.count) / a.seconds) / (static_cast<double>(f.count) / f.seconds));
    }
  }
  const double append_rate = static_cast<double>(appends.count) / appends.seconds;
  const double fsync_rate = static_cast<double>(fsyncs.count) / fsyncs.seconds;
  state.counters["appends_per_s"] = append_rate;
  state.counters["fsyncs_per_s"] = fsync_rate;
  state.counters["entries_per_fsync"] = append_rate / fsync_rate;
  state.counters["cpu_us_per_append"] = appends.cpu_seconds * 1e6 / static_cast<double>(appends.count);
  state.counters["cores_busy"] = appends.cpu_seconds / appends.seconds;
  if (!ratios.empty()) {
    state.counters["ratio_min"] = *std::min_element(ratios.begin(), ratios.end());
    state.counters["ratio_max"] = *std::max_element(ratios.begin(), ratios.end());
  }
}

}  // namespace mandate::bench
