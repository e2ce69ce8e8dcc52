#include "memory_probe.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <exception>
#include <fstream>
#include <iostream>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include "ledger/ledger.h"
#include "store/sqlite/sqlite_store.h"
#include "support.h"

namespace mandate::bench {
namespace {

// Entries appended through Ledger::append at the end of each size, so the
// durable path (not only the bulk loader) runs at every size.
constexpr unsigned kAppendThreads = 8;
constexpr std::uint64_t kAppendsPerThread = 128;
constexpr std::uint64_t kAppendTail = kAppendThreads * kAppendsPerThread;
constexpr int kProofs = 1000;

std::unique_ptr<store::Store> open_or_create(const std::filesystem::path& path) {
  return std::filesystem::exists(path) ? store::open_sqlite_store(path.string())
                                       : store::create_sqlite_store(path.string());
}

// Peak of the phase just finished; starts the next phase's peak afresh.
std::uint64_t end_phase(bool& reset_ok) {
  const std::uint64_t peak = peak_rss_kib();
  reset_ok = reset_peak_rss() && reset_ok;
  return peak;
}

void append_concurrently(ledger::Ledger& ledger, std::span<const ledger::EncodedEntry> pool) {
  std::vector<std::jthread> threads;
  std::vector<std::exception_ptr> errors(kAppendThreads);
  for (unsigned t = 0; t < kAppendThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        for (std::uint64_t i = 0; i < kAppendsPerThread; ++i) ledger.append(pool[t % pool.size()]);
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  threads.clear();  // joins
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

// Random proofs, each checked as a client would check it.
void prove_randomly(ledger::Ledger& ledger, std::uint64_t size, const ledger::Hash& root) {
  std::mt19937_64 rng(size);
  for (int i = 0; i < kProofs; ++i) {
    const std::uint64_t index = rng() % size;
    const auto proof = ledger.inclusion_proof(index, size);
    if (!ledger::verify_inclusion(index, size, ledger.entry_leaf_hash(index), proof, root)) {
      throw std::runtime_error("inclusion proof for entry " + std::to_string(index) + " does not verify");
    }
    const std::uint64_t first = 1 + rng() % size;
    const auto consistency = ledger.consistency_proof(first, size);
    if (!ledger::verify_consistency(first, size, ledger.root(first), root, consistency)) {
      throw std::runtime_error("consistency proof from size " + std::to_string(first) + " does not verify");
    }
  }
}

MemoryProbeResult probe(const std::filesystem::path& store_path, std::uint64_t entries) {
  if (entries <= kAppendTail) {
    throw std::invalid_argument("memory probe needs more than " + std::to_string(kAppendTail) + " entries");
  }
  MemoryProbeResult r;
  r.entries = entries;
  r.phases_reset = true;
  r.startup_kib = end_phase(r.phases_reset);

  const auto pool = sample_pool(64);
  const BenchKey key;
  auto store = open_or_create(store_path);
  BulkLoader(*store, pool).grow_to(entries - kAppendTail);
  r.build_kib = end_phase(r.phases_reset);

  ledger::Ledger ledger(*store, kOrigin);
  append_concurrently(ledger, pool);
  ledger.checkpoint(key.key.public_key(), [&](std::string_view text) { return key.key.sign(text); });
  r.append_kib = end_phase(r.phases_reset);

  const ledger::VerifyReport report = verify_or_throw(*store, key);
  if (report.size != entries) throw std::runtime_error("ledger holds " + std::to_string(report.size) + " entries");
  r.verify_kib = end_phase(r.phases_reset);

  const ledger::Hash root = ledger.root(entries);
  if (root != report.root) throw std::runtime_error("Ledger::root disagrees with verify_ledger");
  prove_randomly(ledger, entries, root);
  r.prove_kib = end_phase(r.phases_reset);
  return r;
}

void write_result(const std::filesystem::path& out, const MemoryProbeResult& r) {
  std::ofstream file(out);
  file << r.entries << ' ' << r.startup_kib << ' ' << r.build_kib << ' ' << r.append_kib << ' ' << r.verify_kib << ' '
       << r.prove_kib << ' ' << (r.phases_reset ? 1 : 0) << '\n';
  if (!file) throw std::runtime_error("cannot write " + out.string());
}

MemoryProbeResult read_result(const std::filesystem::path& in) {
  std::ifstream file(in);
  MemoryProbeResult r;
  int reset = 0;
  file >> r.entries >> r.startup_kib >> r.build_kib >> r.append_kib >> r.verify_kib >> r.prove_kib >> reset;
  if (!file) throw std::runtime_error("memory probe wrote no result to " + in.string());
  r.phases_reset = reset != 0;
  return r;
}

// Runs this same binary as a child and waits for it.
void run_child(const std::vector<std::string>& args) {
  const std::string exe = std::filesystem::read_symlink("/proc/self/exe").string();
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(exe.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (const int rc = posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv.data(), environ); rc != 0) {
    throw std::system_error(rc, std::generic_category(), "posix_spawn " + exe);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) throw std::system_error(errno, std::generic_category(), "waitpid");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("memory probe process failed");
}

}  // namespace

std::uint64_t MemoryProbeResult::peak() const {
  return std::max({startup_kib, build_kib, append_kib, verify_kib, prove_kib});
}

int run_memory_probe(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: " << argv[0] << ' ' << kMemoryProbeFlag << " STORE ENTRIES OUT\n";
    return 2;
  }
  try {
    write_result(argv[4], probe(argv[2], std::stoull(argv[3])));
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "memory probe: " << e.what() << '\n';
    return 1;
  }
}

std::vector<MemoryProbeResult> run_memory_probes(const std::filesystem::path& store,
                                                 std::span<const std::uint64_t> sizes,
                                                 const std::filesystem::path& scratch) {
  std::vector<MemoryProbeResult> results;
  for (const std::uint64_t n : sizes) {
    const auto out = scratch / ("memory-probe-" + std::to_string(n) + ".txt");
    std::cerr << "memory probe: growing the ledger to " << n << " entries in a fresh process\n";
    run_child({kMemoryProbeFlag, store.string(), std::to_string(n), out.string()});
    results.push_back(read_result(out));
  }
  return results;
}

}  // namespace mandate::bench
