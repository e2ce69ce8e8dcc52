// A witness's add-checkpoint (C2SP tlog-witness): parse the request, verify
// the log's signature and the consistency proof, cosign, and commit the new
// state durably before answering — beside the disk's raw fdatasync rate and
// raw Ed25519 signing and verifying, measured in the same run. The log is a
// real mandate ledger on SQLite growing 8 entries per checkpoint.
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "append_bench.h"
#include "crypto/ed25519.h"
#include "ledger/ledger.h"
#include "store/sqlite/sqlite_store.h"
#include "support/files.h"
#include "witness/add_checkpoint_request.h"
#include "witness/witness_service.h"
#include "witness/witness_state.h"

namespace {

using namespace mandate;

constexpr std::size_t kCheckpoints = 2000;
constexpr std::size_t kEntriesPerCheckpoint = 8;

// The log's side, prepared before timing: each request carries the proof
// from the previous checkpoint's size.
struct PreparedLog {
  testing::TempDir dir;
  crypto::Ed25519PrivateKey key = crypto::Ed25519PrivateKey::generate();
  std::unique_ptr<store::Store> store = store::create_sqlite_store((dir / "log.db").string());
  ledger::Ledger ledger{*store, "bench.example/log"};
  std::vector<std::string> requests;

  PreparedLog() {
    std::uint64_t old_size = 0;
    for (std::size_t i = 0; i < kCheckpoints; ++i) {
      std::vector<ledger::EncodedEntry> group;
      for (std::size_t j = 0; j < kEntriesPerCheckpoint; ++j) {
        ledger::EntryDraft d;
        d.type = "bench.entry";
        d.actor = {"writer", "workload", ""};
        d.data = {{"n", i * kEntriesPerCheckpoint + j}};
        group.push_back(*ledger::encode_entry(d));
      }
      ledger.append_group(group);
      witness::AddCheckpointRequest r;
      r.old_size = old_size;
      if (old_size > 0) r.proof = ledger.consistency_proof(old_size, ledger.size());
      r.checkpoint = ledger.checkpoint(key.public_key(), [this](std::string_view t) { return key.sign(t); });
      requests.push_back(witness::format_add_checkpoint(r));
      old_size = ledger.size();
    }
  }
  ledger::NoteVerifier verifier() const { return ledger::NoteVerifier::for_key(ledger.origin(), key.public_key()); }
};

PreparedLog& prepared() {
  static PreparedLog log;  // built once, read-only afterwards
  return log;
}

void BM_witness_add_checkpoint(benchmark::State& state) {
  PreparedLog& log = prepared();
  testing::TempDir dir;
  std::size_t round = 0;
  std::unique_ptr<witness::WitnessState> witness_state;
  std::unique_ptr<witness::WitnessService> service;
  std::size_t next = kCheckpoints;
  for (auto _ : state) {
    if (next == kCheckpoints) {  // a fresh witness for another pass over the log
      state.PauseTiming();
      service.reset();
      witness_state = std::move(*witness::WitnessState::create(dir / ("w" + std::to_string(round++) + ".db")));
      service = std::make_unique<witness::WitnessService>("bench.example/w1", crypto::Ed25519PrivateKey::generate(),
                                                          std::vector<witness::WitnessedLog>{{log.ledger.origin(), {log.verifier()}}},
                                                          *witness_state);
      next = 0;
      state.ResumeTiming();
    }
    const auto answer = service->add_checkpoint(log.requests[next++]);
    if (answer.status != 200) throw std::runtime_error("the witness refused: " + answer.body);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_witness_add_checkpoint)->Unit(benchmark::kMicrosecond)->MinTime(3.0)->UseRealTime();

// The reference: how many durable commits the disk takes (4 KiB pwrite + fdatasync).
// Overwritten in place, as SQLite reuses its WAL, so no size change is synced.
void BM_raw_fdatasync(benchmark::State& state) {
  testing::TempDir dir;
  const bench::FileDescriptor fd(::open((dir / "fsync-probe.bin").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (fd.get() < 0) throw std::runtime_error("cannot open the fsync probe");
  const std::vector<char> block(4096, 'm');
  constexpr std::size_t kSlots = 256;
  for (std::size_t i = 0; i < kSlots; ++i) {
    if (::pwrite(fd.get(), block.data(), block.size(), static_cast<off_t>(i * block.size())) < 0) throw std::runtime_error("pwrite");
  }
  ::fsync(fd.get());
  std::size_t slot = 0;
  for (auto _ : state) {
    if (::pwrite(fd.get(), block.data(), block.size(), static_cast<off_t>(slot * block.size())) < 0) {
      throw std::runtime_error("pwrite");
    }
    if (::fdatasync(fd.get()) != 0) throw std::runtime_error("fdatasync");
    slot = (slot + 1) % kSlots;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_raw_fdatasync)->Unit(benchmark::kMicrosecond)->MinTime(3.0)->UseRealTime();

// The cryptography a cosignature needs at least: one verify (the log's
// signature) and one sign (the cosignature), on a checkpoint-sized message.
void BM_raw_ed25519_verify_and_sign(benchmark::State& state) {
  const auto key = crypto::Ed25519PrivateKey::generate();
  const std::string message(120, 'c');
  const auto signature = key.sign(message);
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto::ed25519_verify(key.public_key(), message, signature));
    benchmark::DoNotOptimize(key.sign(message));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_raw_ed25519_verify_and_sign)->Unit(benchmark::kMicrosecond)->MinTime(2.0)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
