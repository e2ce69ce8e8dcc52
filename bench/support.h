#pragma once
// Shared pieces of the ledger benchmarks: a scratch directory, realistic
// entries, a fast bulk loader that writes exactly what Ledger::append would
// write, and peak-memory readings.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "ledger/entry.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/verify.h"
#include "store/store.h"
#include "support/process.h"

namespace mandate::bench {

inline constexpr const char* kOrigin = "bench.mandate.example/ledger";

// Scratch directories come from the tests' support library.
using mandate::testing::TempDir;

// An "operator.record" entry of about 300 canonical bytes: a workload actor,
// task and mandate refs and a small data object. `seed` varies the ids and
// the time so entries are not all alike.
ledger::EntryDraft sample_draft(std::uint64_t seed);

// Pre-encoded sample entries; the ledger index makes every body unique.
std::vector<ledger::EncodedEntry> sample_pool(std::size_t count);

// Reads tree nodes straight from a store, as Ledger's own NodeSource does.
class StoreNodes final : public ledger::NodeSource {
 public:
  explicit StoreNodes(store::LedgerStore& store) : store_(store) {}
  ledger::Hash node(unsigned level, std::uint64_t index) override;

 private:
  store::LedgerStore& store_;
};

// Grows a ledger through LedgerStore::append_ledger_rows in large
// transactions, computing leaf hashes and completed nodes with a Frontier
// exactly as Ledger::commit_batch does, so the result is a valid ledger
// (callers still verify it) at a fraction of the cost of one durable
// transaction per small batch.
class BulkLoader {
 public:
  // Rows per transaction: Ledger's own largest batch.
  static constexpr std::size_t kRowsPerTransaction = 4096;

  BulkLoader(store::LedgerStore& store, std::span<const ledger::EncodedEntry> pool);

  // Appends entries until the ledger holds `target`; `on_row` sees each row
  // before it is written.
  void grow_to(std::uint64_t target, const std::function<void(const store::LedgerRow&)>& on_row = {});
  std::uint64_t size() const { return frontier_.size(); }

 private:
  store::LedgerRow make_row(std::vector<ledger::Frontier::CompletedNode>& completed);

  store::LedgerStore& store_;
  std::span<const ledger::EncodedEntry> pool_;
  ledger::Frontier frontier_;
};

// A fixed Ed25519 key: every process of one run (the memory probes grow
// one ledger in turn) must sign and verify checkpoints with the same key.
crypto::Ed25519PrivateKey bench_signing_key();

// The signing key of a benchmark ledger and the verifier for it.
struct BenchKey {
  crypto::Ed25519PrivateKey key = bench_signing_key();
  std::vector<ledger::NoteVerifier> verifiers{ledger::NoteVerifier::for_key(kOrigin, key.public_key())};
};

// Signs and stores a checkpoint of the ledger's current size.
void add_checkpoint(store::LedgerStore& store, const BenchKey& key);

// Runs a full verification and throws if the ledger does not verify: a
// benchmark over a broken ledger measures nothing.
ledger::VerifyReport verify_or_throw(store::LedgerStore& store, const BenchKey& key);

// Peak resident set size of this process in KiB (VmHWM).
std::uint64_t peak_rss_kib();
// Resets VmHWM to the current RSS (Linux clear_refs 5); false if refused.
bool reset_peak_rss();

}  // namespace mandate::bench
