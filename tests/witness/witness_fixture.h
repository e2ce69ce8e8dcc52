#pragma once
// A real mandate ledger that produces checkpoints and consistency proofs for
// the witness tests: the same code a log runs, over a SQLite store in a
// scratch directory. Two of them with one key and one origin are a forked
// store: the attack a witness exists to catch.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "ledger/checkpoint.h"
#include "ledger/ledger.h"
#include "ledger/note.h"
#include "store/sqlite/sqlite_store.h"
#include "witness/add_checkpoint_request.h"

namespace mandate::witness::testing {

inline constexpr const char* kOrigin = "audit.example/mandate-ledger";

class TestLog {
 public:
  // `key` is the log's checkpoint signing key; `history` tells two forks apart.
  TestLog(const std::filesystem::path& file, const crypto::Ed25519PrivateKey& key, std::string history = "real",
          std::string origin = kOrigin)
      : store_(store::create_sqlite_store(file.string())),
        ledger_(*store_, std::move(origin)),
        key_(key),
        history_(std::move(history)) {}

  // Appends entries until the tree has `size` leaves.
  void grow_to(std::uint64_t size) {
    while (ledger_.size() < size) {
      ledger::EntryDraft d;
      d.type = "test.entry";
      d.actor = {"writer", "workload", ""};
      d.data = {{"history", history_}, {"n", ledger_.size()}};
      ledger_.append(d);
    }
  }
  // A signed checkpoint of the current size.
  std::string checkpoint() {
    return ledger_.checkpoint(key_.public_key(), [this](std::string_view t) { return key_.sign(t); });
  }
  std::vector<ledger::Hash> proof(std::uint64_t from, std::uint64_t to) { return ledger_.consistency_proof(from, to); }
  ledger::Hash root(std::uint64_t size) { return ledger_.root(size); }
  std::uint64_t size() { return ledger_.size(); }
  const std::string& origin() const { return ledger_.origin(); }
  ledger::NoteVerifier verifier() const { return ledger::NoteVerifier::for_key(ledger_.origin(), key_.public_key()); }

  // The add-checkpoint body for the current size, from `old_size`.
  std::string request_from(std::uint64_t old_size) {
    AddCheckpointRequest r;
    r.old_size = old_size;
    if (old_size > 0 && old_size <= size()) r.proof = proof(old_size, size());
    r.checkpoint = checkpoint();
    return format_add_checkpoint(r);
  }
  // The add-checkpoint body for an earlier size of the tree, from `old_size`.
  std::string request(std::uint64_t old_size, std::uint64_t size) {
    AddCheckpointRequest r;
    r.old_size = old_size;
    if (old_size > 0 && old_size <= size) r.proof = proof(old_size, size);
    r.checkpoint = ledger::sign_checkpoint(ledger::Checkpoint{ledger_.origin(), size, root(size), {}}, key_);
    return format_add_checkpoint(r);
  }

 private:
  std::unique_ptr<store::Store> store_;
  ledger::Ledger ledger_;
  const crypto::Ed25519PrivateKey& key_;
  std::string history_;
};

}  // namespace mandate::witness::testing
