#pragma once
// Full verification of a stored ledger: every leaf recomputed from its
// stored bytes, every stored tree node recomputed, every stored checkpoint's
// signature and root checked, successive checkpoints proven consistent, and
// optionally a checkpoint kept outside the store (which catches rollback).
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "ledger/merkle.h"
#include "ledger/note.h"
#include "store/store.h"

namespace mandate::ledger {

struct VerifyReport {
  bool ok = true;
  std::uint64_t size = 0;
  Hash root{};
  std::uint64_t checkpoints_checked = 0;
  std::optional<std::uint64_t> first_bad_index;
  std::string problem;
};

// Throws Error{bad_input} if `external_checkpoint` is malformed, for another
// origin or signed by a key that is not among `verifiers`.
VerifyReport verify_ledger(store::LedgerStore& store, std::string_view origin,
                           std::span<const NoteVerifier> verifiers,
                           const std::optional<std::string>& external_checkpoint = std::nullopt);

}  // namespace mandate::ledger
