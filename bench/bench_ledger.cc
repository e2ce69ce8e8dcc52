// Ledger benchmarks: durable append throughput against the disk's fsync
// rate, full verification against raw SHA-256, proof latency at a million
// entries against one keyed node read, and peak memory as the ledger grows.
// Every figure is a ratio to a reference taken in the same run, because
// absolute times on a shared machine drift from run to run.
//
//   bench_ledger [--benchmark_filter=...]   the whole suite, then a summary
//                                           (the ledgers are built even when
//                                           a filter leaves their benchmarks out)
//   bench_ledger --memory-probe STORE N OUT  (internal) one memory probe
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "append_bench.h"
#include "crypto/sha256.h"
#include "ledger/ledger.h"
#include "ledger/verify.h"
#include "memory_probe.h"
#include "sqlite_reference.h"
#include "store/sqlite/sqlite_store.h"
#include "summary.h"
#include "support.h"

namespace mandate::bench {
namespace {

constexpr std::uint64_t kVerifyEntries = 200'000;
constexpr std::uint64_t kVerifyCheckpointEvery = 50'000;
constexpr std::array<std::uint64_t, 3> kMemorySizes{10'000, 100'000, 1'000'000};
constexpr std::size_t kRandomPicks = 1 << 14;
constexpr double kAppendTarget = 50'000;  // appends/s from 8 appenders up
constexpr double kVerifyTarget = 0.70;    // of raw SHA-256 throughput
constexpr double kProofTarget = 100e-6;   // seconds per proof

// ------------------------------------------------------------- appends

struct AppendFixture {
  explicit AppendFixture(const std::filesystem::path& path)
      : store(store::create_sqlite_store(path.string())), ledger(*store, kOrigin), pool(sample_pool(64)) {}
  std::unique_ptr<store::Store> store;
  ledger::Ledger ledger;
  std::vector<ledger::EncodedEntry> pool;
};

// -------------------------------------------------------- verification

// A ledger of kVerifyEntries with a stored checkpoint every
// kVerifyCheckpointEvery entries, plus a copy of every entry body so the
// SHA-256 reference hashes exactly the bytes verification hashes.
struct VerifyFixture {
  explicit VerifyFixture(const std::filesystem::path& path) : store(store::create_sqlite_store(path.string())) {
    const auto pool = sample_pool(64);
    BulkLoader loader(*store, pool);
    bodies.reserve(kVerifyEntries);
    for (std::uint64_t n = kVerifyCheckpointEvery; n <= kVerifyEntries; n += kVerifyCheckpointEvery) {
      loader.grow_to(n, [&](const store::LedgerRow& row) {
        bodies.push_back(row.body);
        body_bytes += row.body.size();
      });
      add_checkpoint(*store, key);
    }
    verify_or_throw(*store, key);  // outside any timing: a broken ledger measures nothing
  }
  std::unique_ptr<store::Store> store;
  BenchKey key;
  std::vector<std::string> bodies;
  std::uint64_t body_bytes = 0;
};

// The reference: one SHA-256 per entry body with a reused context, which is
// as fast as OpenSSL hashes these sizes.
void bm_sha256_bodies(benchmark::State& state, const VerifyFixture& f) {
  crypto::Sha256 sha;
  for (auto _ : state) {
    for (const std::string& body : f.bodies) benchmark::DoNotOptimize(sha.update(body).finish());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.body_bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * f.bodies.size()));
}

// Breakdown, to show where verification's time goes: ledger::leaf_hash over
// the same bodies (what verify calls per entry)...
void bm_leaf_hash_bodies(benchmark::State& state, const VerifyFixture& f) {
  for (auto _ : state) {
    for (const std::string& body : f.bodies) {
      benchmark::DoNotOptimize(ledger::leaf_hash({reinterpret_cast<const std::uint8_t*>(body.data()), body.size()}));
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.body_bytes));
}

// ...and reading every row back through LedgerStore::scan_ledger, hashing
// nothing.
void bm_scan_rows(benchmark::State& state, VerifyFixture& f) {
  for (auto _ : state) {
    std::uint64_t bytes = 0;
    f.store->scan_ledger(0, kVerifyEntries, [&](const store::LedgerRow& row) {
      bytes += row.body.size();
      return true;
    });
    if (bytes != f.body_bytes) {
      state.SkipWithError("scan saw other bytes");
      break;
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.body_bytes));
}

// ...and the interior-node hash verify computes about once per entry:
// ledger::node_hash against SHA-256 of the same 65 bytes on a reused context.
constexpr std::int64_t kNodeHashes = 100'000;

void bm_node_hash(benchmark::State& state) {
  ledger::Hash h{};
  for (auto _ : state) {
    for (std::int64_t i = 0; i < kNodeHashes; ++i) h = ledger::node_hash(h, h);
  }
  benchmark::DoNotOptimize(h);
  state.SetItemsProcessed(state.iterations() * kNodeHashes);
}

void bm_sha256_node_input(benchmark::State& state) {
  std::array<std::uint8_t, 65> input{0x01};
  crypto::Sha256 sha;
  for (auto _ : state) {
    for (std::int64_t i = 0; i < kNodeHashes; ++i) {
      const ledger::Hash h = sha.update(input).finish();
      std::copy(h.begin(), h.end(), input.begin() + 1);
    }
  }
  benchmark::DoNotOptimize(input);
  state.SetItemsProcessed(state.iterations() * kNodeHashes);
}

void bm_verify(benchmark::State& state, VerifyFixture& f) {
  for (auto _ : state) {
    const ledger::VerifyReport report = ledger::verify_ledger(*f.store, kOrigin, f.key.verifiers);
    if (!report.ok || report.checkpoints_checked != kVerifyEntries / kVerifyCheckpointEvery) {
      state.SkipWithError("verification failed");
      break;
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.body_bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * f.bodies.size()));
}

// -------------------------------------------------------------- proofs

// Counts the nodes a proof reads, to tell how many reads a proof costs.
class CountingNodes final : public ledger::NodeSource {
 public:
  explicit CountingNodes(store::LedgerStore& store) : nodes_(store) {}
  ledger::Hash node(unsigned level, std::uint64_t index) override {
    ++reads_;
    return nodes_.node(level, index);
  }
  std::uint64_t reads() const { return reads_; }

 private:
  StoreNodes nodes_;
  std::uint64_t reads_ = 0;
};

// The million-entry ledger the memory probes built and verified, opened
// afresh, with random picks drawn before timing starts.
struct ProofFixture {
  explicit ProofFixture(const std::filesystem::path& store_path)
      : path(store_path), store(store::open_sqlite_store(path.string())), ledger(*store, kOrigin), size(ledger.size()) {
    std::mt19937_64 rng(20261128);
    indices.resize(kRandomPicks);
    sizes.resize(kRandomPicks);
    for (std::size_t i = 0; i < kRandomPicks; ++i) {
      indices[i] = rng() % size;    // an entry
      sizes[i] = 1 + rng() % size;  // an earlier tree size, 1..size
    }
    check_sample_proofs();
    count_reads();
  }

  void count_reads() {
    constexpr std::size_t kSample = 1024;
    CountingNodes inclusion(*store), consistency(*store), root(*store);
    for (std::size_t i = 0; i < kSample; ++i) {
      ledger::inclusion_proof(inclusion, indices[i], size);
      ledger::consistency_proof(consistency, sizes[i], size);
      ledger::tree_root(root, sizes[i]);
    }
    const auto mean = [](const CountingNodes& c) { return static_cast<double>(c.reads()) / kSample; };
    inclusion_reads = mean(inclusion);
    consistency_reads = mean(consistency);
    root_reads = mean(root);
  }

  // Proofs are checked once as a client would, so the timed loops cannot
  // be measuring something that produces wrong answers.
  void check_sample_proofs() {
    const ledger::Hash root = ledger.root(size);
    for (std::size_t i = 0; i < 64; ++i) {
      const auto inclusion = ledger.inclusion_proof(indices[i], size);
      if (!ledger::verify_inclusion(indices[i], size, ledger.entry_leaf_hash(indices[i]), inclusion, root)) {
        throw std::runtime_error("inclusion proof does not verify");
      }
      const auto consistency = ledger.consistency_proof(sizes[i], size);
      if (!ledger::verify_consistency(sizes[i], size, ledger.root(sizes[i]), root, consistency)) {
        throw std::runtime_error("consistency proof does not verify");
      }
    }
  }

  std::filesystem::path path;
  std::unique_ptr<store::Store> store;
  ledger::Ledger ledger;
  std::uint64_t size;
  std::vector<std::uint64_t> indices, sizes;
  double inclusion_reads = 0, consistency_reads = 0, root_reads = 0;  // node reads per call, mean
};

// The reference: one random leaf-hash read, the unit every proof is made of.
void bm_node_read(benchmark::State& state, ProofFixture& f) {
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(f.store->ledger_node(0, f.indices[i++ % kRandomPicks]));
}

// What SQLite itself charges for the same read: one autocommit statement per
// read (the store's pattern), or every read inside one read transaction.
void bm_raw_node_read(benchmark::State& state, ProofFixture& f, bool one_transaction) {
  RawNodeReader reader(f.path);
  if (one_transaction) reader.begin_read();
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(reader.leaf_hash(f.indices[i++ % kRandomPicks]));
  if (one_transaction) reader.end_read();
}

void bm_inclusion_proof(benchmark::State& state, ProofFixture& f) {
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(f.ledger.inclusion_proof(f.indices[i++ % kRandomPicks], f.size));
}

void bm_consistency_proof(benchmark::State& state, ProofFixture& f) {
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(f.ledger.consistency_proof(f.sizes[i++ % kRandomPicks], f.size));
}

void bm_root(benchmark::State& state, ProofFixture& f) {
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(f.ledger.root(f.sizes[i++ % kRandomPicks]));
}

// -------------------------------------------------------- registration

// Wraps a benchmark body so an exception becomes a skipped benchmark with
// its message instead of std::terminate on a benchmark thread.
template <typename Body>
auto guarded(Body body) {
  return [body](benchmark::State& state) {
    try {
      body(state);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
    }
  };
}

struct Fixtures {
  std::filesystem::path dir;
  AppendFixture& append;
  VerifyFixture& verify;
  ProofFixture& proofs;
};

struct AppendConfig {
  int threads;
  bool draft;
};
constexpr std::array<AppendConfig, 5> kAppendConfigs{{{1, false}, {2, false}, {8, false}, {64, false}, {8, true}}};

std::string append_name(const AppendConfig& config) {
  return std::string(config.draft ? "append/durable_draft" : "append/durable_encoded") +
         "/appenders:" + std::to_string(config.threads);
}

void register_append_benchmarks(const Fixtures& f) {
  for (const AppendConfig& config : kAppendConfigs) {
    const AppendSetup setup{f.append.ledger, f.append.pool, f.dir, config.threads, config.draft};
    benchmark::RegisterBenchmark(append_name(config).c_str(),
                                 guarded([setup](auto& s) { bm_append_vs_fsync(s, setup); }))
        ->Iterations(kAppendCycles)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
  }
}

void register_benchmarks(const Fixtures& f) {
  register_append_benchmarks(f);
  benchmark::RegisterBenchmark("verify/sha256_of_bodies", guarded([&f](auto& s) { bm_sha256_bodies(s, f.verify); }))
      ->UseRealTime()
      ->MinTime(1.0)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("verify/leaf_hash_of_bodies",
                               guarded([&f](auto& s) { bm_leaf_hash_bodies(s, f.verify); }))
      ->UseRealTime()
      ->MinTime(1.0)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("verify/scan_rows", guarded([&f](auto& s) { bm_scan_rows(s, f.verify); }))
      ->UseRealTime()
      ->MinTime(1.0)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("verify/node_hash", guarded([](auto& s) { bm_node_hash(s); }))
      ->UseRealTime()
      ->MinTime(0.5)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("verify/sha256_node_input", guarded([](auto& s) { bm_sha256_node_input(s); }))
      ->UseRealTime()
      ->MinTime(0.5)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("verify/verify_ledger", guarded([&f](auto& s) { bm_verify(s, f.verify); }))
      ->UseRealTime()
      ->MinTime(3.0)
      ->Unit(benchmark::kMillisecond);

  const auto proof = [](benchmark::internal::Benchmark* b) {
    b->UseRealTime()->MinTime(1.0)->Unit(benchmark::kMicrosecond);
  };
  proof(benchmark::RegisterBenchmark("proof/node_read", guarded([&f](auto& s) { bm_node_read(s, f.proofs); })));
  proof(benchmark::RegisterBenchmark("proof/node_read_raw_autocommit",
                                     guarded([&f](auto& s) { bm_raw_node_read(s, f.proofs, false); })));
  proof(benchmark::RegisterBenchmark("proof/node_read_raw_one_transaction",
                                     guarded([&f](auto& s) { bm_raw_node_read(s, f.proofs, true); })));
  proof(benchmark::RegisterBenchmark("proof/inclusion", guarded([&f](auto& s) { bm_inclusion_proof(s, f.proofs); })));
  proof(
      benchmark::RegisterBenchmark("proof/consistency", guarded([&f](auto& s) { bm_consistency_proof(s, f.proofs); })));
  proof(benchmark::RegisterBenchmark("proof/root", guarded([&f](auto& s) { bm_root(s, f.proofs); })));
}

// ------------------------------------------------------------- summary

std::string verdict(bool met) { return met ? " (met)" : " (missed)"; }

void append_rows(const Collector& c, std::vector<SummaryRow>& rows) {
  for (const AppendConfig& config : kAppendConfigs) {
    const auto m = c.find(append_name(config));
    if (!m) continue;
    const double appends = m->counter("appends_per_s");
    const std::string label = config.draft ? "durable append (draft encoded per call)" : "durable append (pre-encoded)";
    rows.push_back({label + ", " + std::to_string(config.threads) + " appender" + (config.threads == 1 ? "" : "s"),
                    format_count(appends) + " appends/s", format_count(m->counter("fsyncs_per_s")) + " fsync/s",
                    format_fixed(m->counter("entries_per_fsync"), 2) + " entries/fsync (" +
                        format_fixed(m->counter("ratio_min"), 2) + "–" + format_fixed(m->counter("ratio_max"), 2) + ")",
                    config.threads >= 8 ? "≥ 50,000/s" + verdict(appends >= kAppendTarget) : "-"});
  }
}

// Where the append time goes: a disk-bound batch leaves the CPUs idle; a
// CPU-bound one keeps them busy whatever the fsync rate.
void print_append_detail(const Collector& c) {
  std::cout << "\nDurable appends, CPU cost (process CPU time during the append windows, "
            << std::thread::hardware_concurrency() << " CPUs):\n"
            << "  appenders   appends/s   entries/fsync   CPU µs/append   cores busy\n";
  for (const AppendConfig& config : kAppendConfigs) {
    const auto m = c.find(append_name(config));
    if (!m) continue;
    std::array<char, 160> line{};
    std::snprintf(line.data(), line.size(), "  %3d%-8s %9.0f %15.2f %15.1f %12.2f\n", config.threads,
                  config.draft ? " draft" : "", m->counter("appends_per_s"), m->counter("entries_per_fsync"),
                  m->counter("cpu_us_per_append"), m->counter("cores_busy"));
    std::cout << line.data();
  }
}

void verify_rows(const Collector& c, const VerifyFixture& f, std::vector<SummaryRow>& rows) {
  const auto sha = c.find("verify/sha256_of_bodies");
  if (!sha) return;
  const std::string reference = "SHA-256 " + format_bytes_rate(sha->bytes_per_second);
  auto ratio = [&](const Measurement& m) { return m.bytes_per_second / sha->bytes_per_second; };
  if (const auto verify = c.find("verify/verify_ledger")) {
    const double avg = static_cast<double>(f.body_bytes) / static_cast<double>(f.bodies.size());
    rows.push_back({"full verification, " + format_count(static_cast<double>(kVerifyEntries)) + " entries (avg " +
                        format_fixed(avg, 0) + " B)",
                    format_bytes_rate(verify->bytes_per_second), reference,
                    format_fixed(ratio(*verify) * 100, 1) + " %", "≥ 70 %" + verdict(ratio(*verify) >= kVerifyTarget)});
  }
  auto part = [&](const char* name, const char* label) {
    if (const auto m = c.find(name)) {
      rows.push_back({label, format_bytes_rate(m->bytes_per_second), reference, format_fixed(ratio(*m) * 100, 1) + " %",
                      "(breakdown)"});
    }
  };
  part("verify/leaf_hash_of_bodies", "  breakdown: ledger::leaf_hash per body");
  part("verify/scan_rows", "  breakdown: scan_ledger row reads only");
  const auto node = c.find("verify/node_hash");
  const auto node_ref = c.find("verify/sha256_node_input");
  if (node && node_ref) {
    rows.push_back({"  breakdown: ledger::node_hash (≈1 per entry)", format_nanos(1 / node->items_per_second),
                    "SHA-256 of 65 B " + format_nanos(1 / node_ref->items_per_second),
                    format_fixed(node_ref->items_per_second / node->items_per_second, 2) + "x the time",
                    "(breakdown)"});
  }
}

void proof_rows(const Collector& c, const ProofFixture& f, std::vector<SummaryRow>& rows) {
  const auto read = c.find("proof/node_read");
  if (!read) return;
  const std::string at = " at " + format_count(static_cast<double>(f.size));
  auto row = [&](const std::string& name, const std::string& label, double reads, bool targeted) {
    const auto m = c.find(name);
    if (!m) return;
    rows.push_back({label + at, format_micros(m->seconds_per_iteration),
                    "node read " + format_micros(read->seconds_per_iteration),
                    format_fixed(m->seconds_per_iteration / read->seconds_per_iteration, 1) + " node reads (makes " +
                        format_fixed(reads, 1) + ")",
                    targeted ? "< 100 µs" + verdict(m->seconds_per_iteration < kProofTarget) : "-"});
  };
  auto raw = [&](const std::string& name, const std::string& label) {
    const auto m = c.find(name);
    if (!m) return;
    rows.push_back({label, format_micros(m->seconds_per_iteration),
                    "node read " + format_micros(read->seconds_per_iteration),
                    format_fixed(m->seconds_per_iteration / read->seconds_per_iteration, 2) + "x", "(breakdown)"});
  };
  row("proof/inclusion", "inclusion proof", f.inclusion_reads, true);
  row("proof/consistency", "consistency proof", f.consistency_reads, true);
  row("proof/root", "root of a random size", f.root_reads, false);
  raw("proof/node_read_raw_autocommit", "  breakdown: raw SQLite read, autocommit");
  raw("proof/node_read_raw_one_transaction", "  breakdown: raw SQLite read, one read txn");
}

std::string growth(double kib) {
  std::string out(kib < 0 ? "" : "+");
  out += format_count(kib);
  return out;
}

void memory_rows(const std::vector<MemoryProbeResult>& probes, std::vector<SummaryRow>& rows) {
  if (probes.empty()) return;
  const double base = static_cast<double>(probes.front().peak());
  for (const MemoryProbeResult& p : probes) {
    const double peak = static_cast<double>(p.peak());
    rows.push_back({"peak RSS, append+verify+prove at " + format_count(static_cast<double>(p.entries)),
                    format_count(peak) + " KiB",
                    format_count(base) + " KiB at " + format_count(static_cast<double>(probes.front().entries)),
                    growth(peak - base) + " KiB (" + format_fixed(peak / base, 2) + "x)",
                    "flat (SQLite cache ≈ 2 MiB)"});
  }
}

void print_memory_phases(const std::vector<MemoryProbeResult>& probes) {
  std::cout << "\nPeak RSS (VmHWM, KiB) by phase, one fresh process per size"
            << (probes.empty() || probes.front().phases_reset ? ", VmHWM reset between phases" : "") << ":\n";
  std::cout << "  entries     startup   build   append   verify   prove\n";
  for (const MemoryProbeResult& p : probes) {
    std::array<char, 160> line{};
    std::snprintf(line.data(), line.size(), "  %-10llu %8llu %7llu %8llu %8llu %7llu\n",
                  static_cast<unsigned long long>(p.entries), static_cast<unsigned long long>(p.startup_kib),
                  static_cast<unsigned long long>(p.build_kib), static_cast<unsigned long long>(p.append_kib),
                  static_cast<unsigned long long>(p.verify_kib), static_cast<unsigned long long>(p.prove_kib));
    std::cout << line.data();
  }
}

int run_suite() {
  const TempDir dir;
  std::cerr << "scratch directory: " << dir.path() << '\n';
  const auto proof_store = dir.path() / "proofs.db";
  // The probes build (and verify) the million-entry ledger the proof
  // benchmarks then read, so it is built once.
  const auto memory = run_memory_probes(proof_store, kMemorySizes, dir.path());
  std::cerr << "building the " << kVerifyEntries << "-entry verification ledger\n";
  VerifyFixture verify(dir.path() / "verify.db");
  ProofFixture proofs(proof_store);
  AppendFixture append(dir.path() / "append.db");

  const Fixtures fixtures{dir.path(), append, verify, proofs};
  register_benchmarks(fixtures);
  Collector collector;
  benchmark::RunSpecifiedBenchmarks(&collector);

  std::vector<SummaryRow> rows;
  append_rows(collector, rows);
  verify_rows(collector, verify, rows);
  proof_rows(collector, proofs, rows);
  memory_rows(memory, rows);
  print_append_detail(collector);
  print_memory_phases(memory);
  print_summary(rows);
  std::cout << "\nAppend ratio = appends/s ÷ fsync/s over " << kAppendCycles << " alternating " << kAppendWindow.count()
            << " ms windows of each (per-window min–max in brackets).\n"
            << "Proof ratio = proof time ÷ one random node read (\"makes\": node reads one proof does).\n"
            << "Memory: VmHWM of a fresh process per size.\n";
  return 0;
}

}  // namespace
}  // namespace mandate::bench

int main(int argc, char** argv) {
  using namespace mandate::bench;
  if (argc > 1 && std::string_view(argv[1]) == kMemoryProbeFlag) return run_memory_probe(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  int rc = 1;
  try {
    rc = run_suite();
  } catch (const std::exception& e) {
    std::cerr << "bench_ledger: " << e.what() << '\n';
  }
  benchmark::Shutdown();
  return rc;
}
