#pragma once
// Backup and restore of a SQLite home: a consistent copy of the store taken
// while a server may be writing to it, the config and the signing keys, and
// the proof that the copy is sound before anyone relies on it.
//
// A backup holds the home's private signing keys: keep it as secret as the
// home itself.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "ledger/checkpoint.h"
#include "ledger/merkle.h"

namespace mandate::home {

class Home;

// What proved a copy sound: the full ledger verification (the one `mandate
// ledger verify` runs) passed on it, and its root at the size of its last
// stored checkpoint is the root that checkpoint signs, under one of the
// home's keys.
struct CopyProof {
  std::uint64_t size = 0;
  ledger::Hash root{};  // the copy's root at `size`
  std::uint64_t checkpoints_checked = 0;
  ledger::Checkpoint checkpoint;  // the last stored checkpoint, which the copy reproduces
  std::string checkpoint_note;    // that checkpoint as the signed note it was stored as
};

struct BackupOptions {
  int pages_per_step = 256;  // the store's copy, in steps of this many pages
};

struct BackupReport {
  std::filesystem::path destination;
  CopyProof proof;
};

// Copies `home` into `destination`, which must not exist (Error{bad_input},
// nothing changed). First signs and stores a checkpoint of the live ledger,
// as `mandate ledger checkpoint` does, so the copy holds one at least as new
// as the moment the backup began. The copy is made in a temporary sibling of
// `destination`, synced, proven, and only then renamed into place: a backup
// that fails leaves nothing behind. Throws Error{check_failed} when the copy
// does not prove sound.
BackupReport backup_home(Home& home, const std::filesystem::path& destination, const BackupOptions& options = {});

struct RestoreOptions {
  // Replace a home already at the target: it is moved aside to a dated
  // sibling (`<home>.replaced-<UTC time>`), never deleted.
  bool force = false;
  // A signed checkpoint someone kept outside the home (its text, and where
  // it came from for messages): the restored ledger must reproduce its
  // root, or the backup is older than it and entries were lost.
  std::optional<std::string> kept_checkpoint = std::nullopt;
  std::string kept_checkpoint_source = "the kept checkpoint";
};

struct RestoreReport {
  std::filesystem::path home;
  std::optional<std::filesystem::path> previous_home;  // where --force moved the old home
  CopyProof proof;
  std::optional<ledger::Checkpoint> kept_checkpoint;  // matched, when one was given
  std::string verifier_key;  // the restored home's checkpoint key, to compare with the published one
};

// Brings the backup at `backup` into `home_dir`, which must hold no home
// (unless options.force) and nothing else. The backup is copied into a
// temporary sibling of `home_dir` and proven there (as backup_home proves,
// plus the kept checkpoint) before anything at `home_dir` changes: a backup
// that does not prove sound is refused with Error{check_failed} and nothing
// is changed.
RestoreReport restore_home(const std::filesystem::path& backup, const std::filesystem::path& home_dir,
                           const RestoreOptions& options = {});

}  // namespace mandate::home
