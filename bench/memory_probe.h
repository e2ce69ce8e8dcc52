#pragma once
// Peak memory as the ledger grows. Each size is measured in a fresh process
// (this binary re-run with --memory-probe), so one size's peak cannot hide
// in another's.
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace mandate::bench {

// Peak RSS (VmHWM, KiB) of one probe process, phase by phase; VmHWM is reset
// between phases where the kernel allows it.
struct MemoryProbeResult {
  std::uint64_t entries = 0;
  std::uint64_t startup_kib = 0;  // before the store is opened
  std::uint64_t build_kib = 0;    // bulk-growing the ledger to `entries`
  std::uint64_t append_kib = 0;   // durable appends through Ledger::append
  std::uint64_t verify_kib = 0;   // verify_ledger over all entries
  std::uint64_t prove_kib = 0;    // inclusion + consistency proofs and roots
  bool phases_reset = false;      // false: each figure includes the earlier phases

  std::uint64_t peak() const;
};

inline constexpr const char* kMemoryProbeFlag = "--memory-probe";

// The child side: `bench_ledger --memory-probe STORE ENTRIES OUT` grows the
// ledger in STORE (created if missing) to ENTRIES, appends, verifies and
// proves, then writes its result to OUT. Returns the exit code.
int run_memory_probe(int argc, char** argv);

// The parent side: runs one probe process per size, in increasing order,
// over one store that each probe grows further. The store ends verified at
// the largest size, ready for the proof benchmarks.
std::vector<MemoryProbeResult> run_memory_probes(const std::filesystem::path& store,
                                                 std::span<const std::uint64_t> sizes,
                                                 const std::filesystem::path& scratch);

}  // namespace mandate::bench
